-- Knowledge-base records per topic folder: what the team's corpus covers, and how much.
select
    topic,
    sub_topic,
    count(*) as records,
    count(distinct source_path) as files,
    sum(text_chars) as text_chars,
    round(avg(text_chars), 1) as avg_text_chars
from {{ ref('stg_knowledgebase') }}
group by 1, 2
