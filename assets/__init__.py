"""Dagster assets: thin wrappers over ``winnow.stages`` that report metadata."""

from assets.pipeline import ASSETS, CHECKS

__all__ = ["ASSETS", "CHECKS"]
