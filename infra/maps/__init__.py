"""Topology diagrams of the registry: builders that turn the database into ``diagrams.model.Topology``."""
