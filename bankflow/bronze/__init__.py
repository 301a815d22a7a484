"""Spark bronze ingestion (filled in below)."""
