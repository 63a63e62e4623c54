-- LCIA amounts per process and life-cycle module; indicator_key names the indicator family.
select
    process_uuid || '@' || coalesce(process_version, '') as process_key,
    process_uuid,
    process_version,
    indicator_key,
    indicator_name,
    unit,
    module,
    scenario,
    amount
from {{ source('oekobaudat', 'lcia_results') }}
where amount is not null
