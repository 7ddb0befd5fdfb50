"""Dagster assets: thin wrappers over ``winnow.stages`` that report metadata, presented in
groups with code versions (``assets.catalog``)."""

from assets.catalog import presented
from assets.export import articles_export
from assets.pipeline import ASSETS as PIPELINE_ASSETS
from assets.pipeline import CHECKS

ASSETS = presented([*PIPELINE_ASSETS, articles_export])

__all__ = ["ASSETS", "CHECKS"]
