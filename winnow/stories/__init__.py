"""Syndicated copies of one story, grouped across sites."""

from winnow.stories.cluster import cluster_stories, shingles

__all__ = ["cluster_stories", "shingles"]
