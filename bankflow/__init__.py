"""Ingestion side of the bank's customer-analytics data flow.

``bankflow.schemas`` holds the schema of every feed; ``bankflow.simulator``
produces the four source systems' days; ``bankflow.bronze`` lands them in the
bronze lake with Spark; ``bankflow.lake`` names every path of the lake.
"""
