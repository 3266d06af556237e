"""`tfpipe export kfp`: the pipeline compiled by kfp's compiler into Kubeflow Pipelines v2 IR.

One container component per tfpipe component, on the docker/ image, each running
`tfpipe run TASK --component NAME --run-id <the KFP run's uuid>`. The tfpipe artifact store
(the workdir) is shared by every task: a volume claim mounted at the workdir, or a Cloud
Storage location that Vertex AI Pipelines mounts under /gcs/. Each task's KFP output is a
small typed artifact holding its JSON summary; downstream tasks take it as a typed input,
which gives KFP the DAG edges and the lineage. tfpipe's own cache decides what runs, so KFP's
cache is off.
"""
from __future__ import annotations

import inspect
import os
from typing import Any, Callable

import yaml

from tfpipe.errors import InputError
from tfpipe.orchestration import ExportSpec
from tfpipe.schedule import kfp_cron

# tfpipe artifact types -> KFP's system artifact types.
KFP_TYPES = {"Examples": "Dataset", "Statistics": "Dataset", "Model": "Model",
             "PushedModel": "Model"}
GCS_MOUNT = "/gcs/"  # where Vertex AI Pipelines mounts gs://bucket/path


def store_location(store: str, workdir: str) -> tuple[str, str | None]:
    """(workdir inside the containers, volume claim to mount there or None)."""
    if store.startswith("pvc:") and len(store) > 4:
        return workdir, store[4:]
    if store.startswith("gs://") and len(store) > 5:
        return GCS_MOUNT + store[5:].strip("/"), None
    raise InputError(f"--store {store!r}: expected pvc:CLAIM_NAME (a volume claim mounted at "
                     f"the workdir) or gs://BUCKET/PATH")


def container_args(spec: ExportSpec, component: str, workdir: str) -> list[str]:
    """tfpipe's arguments, with the workdir as the containers see it."""
    args = spec.component_args(component)
    at = args.index("--workdir")
    return [*args[:at + 1], workdir, *args[at + 2:]]


def container_component(spec: ExportSpec, component: str, workdir: str) -> Any:
    """A KFP container component: typed inputs from upstream tasks, a typed summary output."""
    from kfp import dsl

    def artifact(name: str) -> Any:
        return getattr(dsl, KFP_TYPES.get(spec.output_types.get(name, ""), "Artifact"))

    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(up, keyword, annotation=dsl.Input[artifact(up)])
                  for up in spec.upstream(component)]
    parameters += [inspect.Parameter("run_id", keyword, annotation=str),
                   inspect.Parameter("summary", keyword,
                                     annotation=dsl.Output[artifact(component)])]
    names = [p.name for p in parameters]
    args = container_args(spec, component, workdir)

    def body(*values: Any) -> Any:
        given = dict(zip(names, values))
        return dsl.ContainerSpec(image=spec.image, command=["tfpipe"], args=[
            *args, "--run-id", given["run_id"], "--summary-file", given["summary"].path])

    body.__name__ = body.__qualname__ = component
    body.__doc__ = f"tfpipe's {component} component of {spec.pipeline}."
    body.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    body.__annotations__ = {p.name: p.annotation for p in parameters}
    return dsl.container_component(body)


def pipeline_function(spec: ExportSpec, store: str) -> Callable[[], None]:
    """The @dsl.pipeline function wiring one task per component."""
    from kfp import dsl

    workdir, claim = store_location(store, spec.workdir)
    components = {name: container_component(spec, name, workdir) for name in spec.components}

    @dsl.pipeline(name=f"tfpipe-{spec.pipeline}".replace("_", "-"),
                  description=f"tfpipe's {spec.task} pipeline, one task per component")
    def pipeline():  # no "-> None": kfp would read it as an output
        tasks: dict[str, Any] = {}
        for name in spec.components:
            inputs = {up: tasks[up].outputs["summary"] for up in spec.upstream(name)}
            task = components[name](run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER, **inputs)
            task.set_display_name(name)
            task.set_caching_options(False)  # tfpipe's content-addressed cache decides
            task.set_retry(num_retries=spec.retries)
            if claim is not None:
                from kfp import kubernetes

                kubernetes.mount_pvc(task, pvc_name=claim, mount_path=workdir)
            tasks[name] = task

    return pipeline


def recurring_run(spec: ExportSpec, package: str) -> dict[str, Any] | None:
    """Keyword arguments of kfp.Client().create_recurring_run, or None without a schedule."""
    if spec.schedule is None:
        return None
    return {"job_name": f"tfpipe-{spec.pipeline}", "cron_expression": kfp_cron(spec.schedule),
            "max_concurrency": 1, "no_catchup": True, "enabled": True,
            "pipeline_package_path": package}


def recurring_run_path(output: str) -> str:
    """Where the recurring-run spec goes: beside the pipeline YAML."""
    return f"{os.path.splitext(output)[0]}.recurring-run.yaml"


def write_pipeline(spec: ExportSpec, output: str, store: str = "pvc:tfpipe-store") -> str:
    """Compile to `output` (and the recurring-run spec beside it when scheduled); its path."""
    from kfp import compiler

    if not output.endswith((".yaml", ".yml")):
        raise InputError(f"-o {output}: the KFP pipeline file must end in .yaml")
    function = pipeline_function(spec, store)
    output = os.path.abspath(output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    compiler.Compiler().compile(function, output)
    schedule = recurring_run(spec, os.path.basename(output))
    path = recurring_run_path(output)
    if schedule is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("# kfp.Client().create_recurring_run(experiment_id=..., **this);"
                         " max_concurrency 1: runs never overlap\n")
            yaml.safe_dump(schedule, handle, sort_keys=False)
    elif os.path.exists(path):
        os.remove(path)  # an earlier export's schedule no longer applies
    return output
