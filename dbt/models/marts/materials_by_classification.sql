-- How many ÖKOBAUDAT data sets each material group holds, how recent and of which kind.
select
    class_level_1,
    class_level_2,
    count(*) as processes,
    count(distinct process_uuid) as distinct_uuids,
    min(reference_year) as first_reference_year,
    max(reference_year) as last_reference_year,
    sum(case when sub_type = 'generic dataset' then 1 else 0 end) as generic_datasets,
    sum(case when sub_type = 'specific dataset' then 1 else 0 end) as specific_datasets
from {{ ref('stg_oekobaudat_processes') }}
group by 1, 2
