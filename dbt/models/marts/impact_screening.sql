-- Impact screening: what is said about which organisation, on which ESG topic, good or bad
-- news, when. One row per organisation x topic x sentiment x year with the number of
-- statements (knowledge-base records) and up to five example record ids.
--   organisation  an entity of type `organisation_type` (default ORG) found in the record by
--                 the promoted entity model, as written (trimmed)
--   topic         each zero-shot ESG topic of the record ('(none)' when it has none)
--   sentiment     the label of the `sentiment_task` model (default esg_sentiment); null when
--                 that model has not annotated the record
--   year          the record's metadata `year`, else the year of its metadata `date`, else the
--                 one year in its file name (report_2023.pdf; not data_2022_2023.csv), else null
-- Before the annotations asset has written its table this model is empty, not failed.
{%- set annotations_file = var('nexus_home', env_var('NEXUS_HOME', '../.nexus')) ~ '/annotations/annotations.parquet' %}
{%- set annotated = true %}
{%- if execute and target.type == 'duckdb' %}
  {%- set annotated = run_query("select count(*) from glob('" ~ annotations_file ~ "')").columns[0].values()[0] > 0 %}
{%- endif %}

with annotations as (
{%- if annotated %}
    select record_id, model, kind, label, labels, entities
    from {{ source('annotations', 'annotations') }}
{%- else %}
    select
        null::varchar as record_id,
        null::varchar as model,
        null::varchar as kind,
        null::varchar as label,
        null::struct(label varchar, score float)[] as labels,
        null::struct("text" varchar, "type" varchar, "start" integer, "end" integer)[] as entities
    where false
{%- endif %}
),

records as (
    select
        id as record_id,
        coalesce(
            try_cast(json_extract_string(metadata, '$.year') as integer),
            try_cast(left(json_extract_string(metadata, '$.date'), 4) as integer),
            case when len(list_distinct(file_years)) = 1 then cast(file_years[1] as integer) end
        ) as year
    from (
        select
            id,
            metadata,
            list_filter(
                string_split(regexp_replace(parse_filename(source.path), '[^0-9]+', ' ', 'g'), ' '),
                lambda x: length(x) = 4 and x between '1900' and '2099'
            ) as file_years
        from {{ source('knowledge', 'knowledgebase') }}
    )
),

organisations as (
    select distinct record_id, trim(span.text) as organisation
    from (select record_id, unnest(entities) as span from annotations where kind = 'entities')
    where span.type = '{{ var("organisation_type", "ORG") }}' and trim(span.text) <> ''
),

topics as (
    select distinct record_id, topic.label as topic
    from (select record_id, unnest(labels) as topic from annotations where kind = 'topics')
),

sentiment as (
    select record_id, label as sentiment
    from annotations
    where model = '{{ var("sentiment_task", "esg_sentiment") }}'
)

select
    o.organisation,
    coalesce(t.topic, '(none)') as topic,
    s.sentiment,
    r.year,
    count(distinct o.record_id) as statements,
    list(distinct o.record_id order by o.record_id)[1:5] as example_record_ids
from organisations as o
inner join records as r using (record_id)
left join topics as t using (record_id)
left join sentiment as s using (record_id)
group by all
