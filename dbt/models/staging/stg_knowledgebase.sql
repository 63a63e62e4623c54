-- Knowledge-base records with the landing folder path (topic / sub-topic) as columns.
select
    id,
    content_sha256,
    struct_extract(source, 'path') as source_path,
    struct_extract(source, 'file_type') as file_type,
    struct_extract(source, 'table') as source_table,
    struct_extract(source, 'folders') as folders,
    coalesce(struct_extract(source, 'folders')[1], '(root)') as topic,
    coalesce(struct_extract(source, 'folders')[2], '(none)') as sub_topic,
    length(text) as text_chars
from {{ source('knowledge', 'knowledgebase') }}
