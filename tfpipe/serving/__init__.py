"""Serving tools: TF Serving state, clients, stand-in servers and MLflow models."""
