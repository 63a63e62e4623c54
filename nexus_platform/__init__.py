"""Nexus Platform."""
