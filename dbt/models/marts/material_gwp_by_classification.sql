-- Global warming potential (GWP-total, production stage A1-A3) per material group:
-- the spread an LCA practitioner sees when picking a data set for a building element.
with gwp as (
    select process_key, amount
    from {{ ref('stg_oekobaudat_lcia') }}
    where indicator_key = 'GWP-total' and module in ('A1-A3', 'A1-3')
)
select
    p.class_level_1,
    p.class_level_2,
    count(*) as processes_with_gwp,
    min(gwp.amount) as gwp_a1_a3_min,
    avg(gwp.amount) as gwp_a1_a3_avg,
    median(gwp.amount) as gwp_a1_a3_median,
    max(gwp.amount) as gwp_a1_a3_max
from gwp
join {{ ref('stg_oekobaudat_processes') }} as p using (process_key)
group by 1, 2
