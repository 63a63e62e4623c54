"""The search service's web pages: search (`/`), one record (`/records/{id}`), and the
sign-in form answered (with 401) when an API key is configured and the browser has none.

Plain HTML and JavaScript with no external resource (the service may run offline). Data from
the API is put into the page with `textContent`, never as HTML, so a record cannot inject
markup. The key is kept in the browser (localStorage for API calls, a SameSite=Strict cookie
for page loads) once entered.
"""

from __future__ import annotations

KEY_COOKIE = "nexus_api_key"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1d2430}
h1{font-size:1.3rem;margin:.2rem 0 1rem} form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
input[type=search]{flex:1 1 24rem;font-size:1rem;padding:.45rem}
label{font-size:.8rem;color:#4a5565;display:flex;flex-direction:column;gap:.15rem}
select,button{font-size:.9rem;padding:.35rem} #status{color:#4a5565;font-size:.9rem}
ol{padding-left:1.4rem} li.result{margin:0 0 1rem;padding:.4rem .6rem;border-left:3px solid #7a9cc6}
.passage{white-space:pre-wrap;line-height:1.35} mark{background:#ffe58a}
.source{font-size:.85rem;color:#35506f;margin-top:.25rem} .source .path{font-family:monospace}
.chip{display:inline-block;font-size:.75rem;background:#eef2f7;border-radius:.6rem;padding:.05rem .5rem;margin:.2rem .2rem 0 0}
.error{color:#a4262c} dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem}
dt{color:#4a5565} pre{background:#f5f7fa;padding:.6rem;overflow:auto}
"""

_COMMON_JS = """
const KEY = 'nexusApiKey';
function apiKey(){ return localStorage.getItem(KEY) || ''; }
function saveKey(key){
  localStorage.setItem(KEY, key);
  document.cookie = 'KEY_COOKIE=' + encodeURIComponent(key) + '; path=/; SameSite=Strict';
}
async function api(path, options){
  const headers = Object.assign({}, (options || {}).headers || {});
  if (apiKey()) headers['Authorization'] = 'Bearer ' + apiKey();
  const response = await fetch(path, Object.assign({}, options || {}, {headers}));
  let body = null;
  try { body = await response.json(); } catch (e) { body = {message: response.statusText}; }
  if (response.status === 401) { askKey(body.message); throw new Error(body.message); }
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}
function askKey(message){
  const box = document.getElementById('key-box');
  box.hidden = false;
  document.getElementById('key-message').textContent = message || 'This service needs an API key.';
}
function el(tag, text, cls){
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveKey(document.getElementById('key-input').value.trim());
    location.reload();
  });
});
""".replace("KEY_COOKIE", KEY_COOKIE)

_KEY_BOX = """
<div id="key-box" hidden>
  <p id="key-message"></p>
  <form id="key-form"><label>API key <input id="key-input" type="password" autocomplete="off"></label>
  <button type="submit">Save key</button></form>
</div>
"""


def _page(title: str, body: str, script: str, key_box: str = _KEY_BOX) -> str:
    """A whole page: the shared head and style, `body` (its `<!-- key -->` becomes the key
    box), the shared script, then the page's own."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{_STYLE}</style></head>\n<body>\n{body.replace('<!-- key -->', key_box)}\n"
        f"<script>{_COMMON_JS}{script}</script>\n</body></html>\n"
    )


SEARCH_PAGE = _page(
    "Nexus search",
    """<h1>Nexus knowledge search</h1><!-- key -->
<form id="search-form" role="search">
  <input id="q" name="q" type="search" maxlength="1000" placeholder="Ask the knowledge base…" autofocus>
  <label>Mode <select id="mode" name="mode">
    <option value="hybrid">hybrid</option><option value="dense">meaning</option>
    <option value="lexical">exact words</option></select></label>
  <label>Results <select id="k" name="k"><option>10</option><option>20</option><option>50</option></select></label>
  <label>Folder <select id="folder" name="folder"><option value="">any</option></select></label>
  <label>File type <select id="file_type" name="file_type"><option value="">any</option></select></label>
  <span id="annotation-filters"></span>
  <button id="search-button" type="submit">Search</button>
</form>
<p id="status" role="status"></p>
<ol id="results"></ol>
<p><small><a href="/docs">API documentation</a></small></p>
""",
    """
function option(select, value, label){
  const node = el('option', label || value); node.value = value; select.appendChild(node);
}
async function loadFacets(){
  const facets = await api('/api/facets');
  facets.folders.forEach(f => option(document.getElementById('folder'), f));
  facets.file_types.forEach(t => option(document.getElementById('file_type'), t));
  const holder = document.getElementById('annotation-filters');
  const groups = Object.entries(facets.tasks);
  if (facets.topics.length) groups.push(['topic', facets.topics]);
  groups.forEach(([key, labels]) => {
    const label = el('label', key.replace(/_/g, ' '));
    const select = el('select'); select.id = 'filter-' + key; select.dataset.key = key;
    option(select, '', 'any'); labels.forEach(l => option(select, l));
    label.appendChild(select); holder.appendChild(label);
  });
}
function wheres(){
  const out = [];
  ['folder', 'file_type'].forEach(key => {
    const value = document.getElementById(key).value; if (value) out.push(key + '=' + value);
  });
  document.querySelectorAll('#annotation-filters select').forEach(select => {
    if (select.value) out.push(select.dataset.key + '=' + select.value);
  });
  return out;
}
function highlighted(text, query){
  const node = el('div', null, 'passage');
  const words = query.split(/\\s+/).filter(w => w.length > 1)
    .map(w => w.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&'));
  if (!words.length) { node.textContent = text; return node; }
  // Whole words only: "CEM" must not light up the start of "cement".
  const pattern = new RegExp('(?<![\\\\w])(' + words.join('|') + ')(?![\\\\w])', 'gi');
  text.split(pattern).forEach((part, i) => {
    node.appendChild(i % 2 ? el('mark', part) : document.createTextNode(part));
  });
  return node;
}
function location_of(source){
  const parts = [];
  if (source.page !== null && source.page !== undefined) parts.push('page ' + source.page);
  if (source.row !== null && source.row !== undefined) parts.push('row ' + source.row);
  if (source.table && source.table !== 'pages') parts.push('table ' + source.table);
  return parts.join(', ');
}
function chips(annotations){
  const box = el('div', null, 'annotations');
  Object.entries(annotations || {}).forEach(([name, value]) => {
    if (name === 'topics') value.forEach(t => box.appendChild(el('span', 'topic: ' + t.label, 'chip')));
    else if (name === 'entities') value.slice(0, 8).forEach(e => box.appendChild(el('span', e.type + ': ' + e.text, 'chip')));
    else if (value && value.label) box.appendChild(el('span', name + ': ' + value.label, 'chip'));
  });
  return box;
}
async function search(event){
  if (event) event.preventDefault();
  const q = document.getElementById('q').value.trim();
  if (!q) return;
  const params = new URLSearchParams({q, k: document.getElementById('k').value,
                                      mode: document.getElementById('mode').value});
  wheres().forEach(w => params.append('where', w));
  history.replaceState(null, '', '?' + params.toString());
  const status = document.getElementById('status'), list = document.getElementById('results');
  status.className = ''; status.textContent = 'Searching…'; list.replaceChildren();
  try {
    const body = await api('/api/search?' + params.toString());
    if (!body.results.length) {
      status.textContent = body.empty_reason || 'No matching records.';
      return;
    }
    status.textContent = body.results.length + ' results (' + body.mode + ', ' + body.took_ms + ' ms)';
    body.results.forEach(result => {
      const item = el('li', null, 'result');
      item.appendChild(highlighted(result.text, q));
      const source = el('div', null, 'source');
      source.appendChild(el('span', result.source.path, 'path'));
      const where = location_of(result.source);
      if (where) source.appendChild(el('span', ' · ' + where, 'loc'));
      source.appendChild(document.createTextNode(' · '));
      const link = el('a', 'record'); link.href = '/records/' + encodeURIComponent(result.id);
      source.appendChild(link);
      item.appendChild(source);
      item.appendChild(chips(result.annotations));
      list.appendChild(item);
    });
  } catch (error) {
    status.className = 'error'; status.textContent = error.message;
  }
}
document.getElementById('search-form').addEventListener('submit', search);
loadFacets().then(() => {
  const params = new URLSearchParams(location.search);
  if (params.get('q')) {
    document.getElementById('q').value = params.get('q');
    if (params.get('mode')) document.getElementById('mode').value = params.get('mode');
    params.getAll('where').forEach(w => {
      const [key, value] = [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)];
      const select = document.getElementById(key) || document.getElementById('filter-' + key);
      if (select) select.value = value;
    });
    search();
  }
}).catch(error => { document.getElementById('status').textContent = error.message; });
""",
)

RECORD_PAGE = _page(
    "Nexus record",
    """<p><a href="/">← search</a></p>
<h1>Knowledge record</h1><!-- key -->
<div id="record"></div>
""",
    """
(async () => {
  const holder = document.getElementById('record');
  const id = decodeURIComponent(location.pathname.split('/').pop());
  try {
    const record = await api('/api/records/' + encodeURIComponent(id));
    holder.appendChild(el('div', record.text, 'passage'));
    const facts = el('dl');
    [['id', record.id], ['file', record.source.path], ['folders', (record.source.folders || []).join('/')],
     ['file type', record.source.file_type], ['table', record.source.table],
     ['page', record.source.page], ['row', record.source.row], ['chunk', record.source.chunk]]
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .forEach(([k, v]) => { facts.appendChild(el('dt', k)); facts.appendChild(el('dd', String(v))); });
    holder.appendChild(facts);
    holder.appendChild(el('h2', 'Annotations'));
    holder.appendChild(el('pre', JSON.stringify(record.annotations, null, 2)));
    holder.appendChild(el('h2', 'Metadata'));
    holder.appendChild(el('pre', JSON.stringify(record.metadata, null, 2)));
  } catch (error) { holder.appendChild(el('p', error.message, 'error')); }
})();
""",
)

SIGN_IN_PAGE = _page(
    "Nexus search: API key",
    "<h1>Nexus knowledge search</h1><!-- key -->",
    """
document.getElementById('key-message').textContent =
  'This service needs an API key (ask the person who runs it). It is kept in this browser.';
""",
    key_box=_KEY_BOX.replace(" hidden>", ">"),
)
