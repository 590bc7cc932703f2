"""The OpenSearch engine: newsarchive's index and searches on an OpenSearch cluster."""
