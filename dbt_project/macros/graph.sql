{#- The source tables (relation names) a model reads, directly or through other models, from dbt's graph.
    Empty at parse time (the graph is only complete when tests run). -#}
{% macro upstream_sources(model_name) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {%- do _collect_sources(node.unique_id, found) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found | unique | sort | list) }}
{%- endmacro %}

{% macro _collect_sources(unique_id, found) -%}
    {%- if unique_id.startswith('source.') -%}
        {%- do found.append(graph.sources[unique_id].relation_name) -%}
    {%- elif unique_id in graph.nodes -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
            {%- do _collect_sources(parent, found) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
