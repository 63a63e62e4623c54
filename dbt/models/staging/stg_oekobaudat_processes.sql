-- ÖKOBAUDAT processes with the classification path split into levels (topic, group, product).
select
    process_uuid || '@' || coalesce(version, '') as process_key,
    process_uuid,
    version,
    name,
    classification_path,
    classification[1] as class_level_1,
    classification[2] as class_level_2,
    classification[3] as class_level_3,
    reference_year,
    valid_until,
    geography,
    type as process_type,
    sub_type,
    data_stock_uuid,
    data_stock_name,
    retrieved_at
from {{ source('oekobaudat', 'processes') }}
