"""Dagster assets: thin wrappers over ``winnow.stages`` that report metadata."""

from assets.export import articles_export
from assets.pipeline import ASSETS as PIPELINE_ASSETS
from assets.pipeline import CHECKS

ASSETS = [*PIPELINE_ASSETS, articles_export]

__all__ = ["ASSETS", "CHECKS"]
