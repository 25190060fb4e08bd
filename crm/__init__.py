"""The library the flows run: the warehouse (connections, the tables Python owns), dbt in-process, the quality
gates, the KPI report, the run summary and erasure. No Prefect flow lives here (those are in flows/).
"""

from crm import erasure_keys as _erasure_keys

_erasure_keys.install()
