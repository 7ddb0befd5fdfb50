"""Runs of the ``winnow`` code location started by a command (``make run``, ``winnow run``),
executed in the command's own process.

A run that ``execute_in_process`` makes has no code-location origin: the UI leaves it off the
Overview timeline and the job's Runs tab, and "Re-execute" fails on it. Here the run is created
with the origin the UI's workspace gives the job (``workspace.yaml``, location ``winnow``) and
the job is rebuilt from ``orchestration.definitions`` the way a run worker rebuilds it, so the
run is one of the location's runs like any the UI, the schedule or a sensor starts, and it
can be re-executed from the UI or with ``execute_job(..., reexecution_options=...)``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.workspace.load import location_origins_from_yaml_paths

from winnow.settings import ROOT, resolve

LOCATION = "winnow"
WORKSPACE = ROOT / "workspace.yaml"
MODULE = "orchestration.definitions"


def recon_job(name: str) -> ReconstructableJob:
    """Job ``name`` of the code location, as a run worker would load it; definitions this
    process built earlier under other settings (sources, warehouse) are built again first."""
    module = sys.modules.get(MODULE)
    if module is not None and resolve() != module.BUILT_WITH:
        importlib.reload(module)
    repo = ReconstructableRepository.for_module(MODULE, "defs", working_directory=str(ROOT))
    return repo.get_reconstructable_job(name)


def remote_origin(job_name: str, repository_name: str) -> RemoteJobOrigin:
    """The origin the UI's workspace gives job ``job_name`` of location ``winnow``."""
    for origin in location_origins_from_yaml_paths([str(WORKSPACE)]):
        if origin.location_name == LOCATION:
            return RemoteJobOrigin(RemoteRepositoryOrigin(origin, repository_name), job_name)
    raise RuntimeError(f"{WORKSPACE}: no code location named {LOCATION!r}")


def run_job(
    instance: dg.DagsterInstance,
    job_name: str,
    run_config: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    asset_selection: set[dg.AssetKey] | None = None,
) -> dg.ExecutionResult:
    """Create a run of ``job_name`` with the code location's origin and execute it here."""
    job = recon_job(job_name)
    job_def = job.get_definition()
    repository = job.repository.get_definition().name
    run = instance.create_run_for_job(
        job_def,
        run_config=dict(run_config or {}),
        tags={**job_def.run_tags, **(tags or {})},
        asset_selection=asset_selection,
        remote_job_origin=remote_origin(job_name, repository),
        job_code_origin=job.get_python_origin(),
    )
    return execute_run(job, run, instance)
