-- min <= median <= max and min <= avg <= max for every material group.
select *
from {{ ref('material_gwp_by_classification') }}
where not (gwp_a1_a3_min <= gwp_a1_a3_median and gwp_a1_a3_median <= gwp_a1_a3_max
           and gwp_a1_a3_min <= gwp_a1_a3_avg and gwp_a1_a3_avg <= gwp_a1_a3_max)
