"""`tfpipe export airflow`: a plain Airflow 3 DAG file with one task per component."""
from __future__ import annotations

import json
import os
import re

from tfpipe.orchestration import OPERATORS, ExportSpec, identifier

HEADER = '''"""{pipeline}: tfpipe's pipeline as an Airflow DAG, one task per component.

Written by `tfpipe export airflow {task_name}`; edit the constants below or export again.
Each task runs `tfpipe run {task_name} --component NAME --run-id <this DAG run's run_id>`{where}.
A component finds its inputs in the artifact store under WORKDIR by their cache keys (so a
cleared or retried task re-runs only its own component, and an unchanged pipeline is served
from cache), and every task of one DAG run records into one MLflow parent run.
"""
from __future__ import annotations

import datetime
{imports}

TASK = {task}
WORKDIR = {workdir}  # the artifact store every task shares
RUN_ARGS = {run_args}
SCHEDULE = {schedule}  # config key `schedule` (or --schedule); None: only when triggered
RETRIES = {retries}
RETRY_DELAY = datetime.timedelta(seconds={retry_delay})
'''

BASH = {
    "where": ("\nin a subprocess of the environment that has tfpipe (TFPIPE), which need not be "
              "Airflow's"),
    "imports": "import shlex\n\nfrom airflow.providers.standard.operators.bash import BashOperator"
               "\nfrom airflow.sdk import DAG",
    "constants": 'TFPIPE = {tfpipe}  # the tfpipe console script of its own environment\n',
    "factory": '''

def component_task(component: str) -> BashOperator:
    """Run one component in a subprocess; the run id arrives through the environment."""
    words = [TFPIPE, "run", TASK, "--component", component, *RUN_ARGS, "--json"]
    command = " ".join(shlex.quote(word) for word in words) + ' --run-id "$TFPIPE_RUN_ID"'
    # The last stdout line (the component's JSON summary) becomes the task's XCom.
    return BashOperator(task_id=component, bash_command=command,
                        env={{"TFPIPE_RUN_ID": "{{{{ run_id }}}}"}}, append_env=True)
''',
}

DOCKER = {
    "where": "\nin a container of the docker/ image (IMAGE) with WORKDIR mounted at the same path",
    "imports": "\nfrom airflow.providers.docker.operators.docker import DockerOperator\n"
               "from airflow.sdk import DAG\nfrom docker.types import Mount",
    "constants": 'IMAGE = {image}  # docker build -f docker/Dockerfile -t tfpipe .\n',
    "factory": '''

def component_task(component: str) -> DockerOperator:
    """Run one component in a container of the tfpipe image (its entrypoint is `tfpipe`)."""
    return DockerOperator(
        task_id=component, image=IMAGE, mount_tmp_dir=False,
        command=["run", TASK, "--component", component, *RUN_ARGS, "--json",
                 "--run-id", "{{{{ run_id }}}}"],
        mounts=[Mount(source=WORKDIR, target=WORKDIR, type="bind")])
''',
}

KUBERNETES = {
    "where": ("\nin a pod of the docker/ image (IMAGE) with the claim STORE_CLAIM mounted at "
              "WORKDIR"),
    "imports": "\nfrom airflow.providers.cncf.kubernetes.operators.pod import "
               "KubernetesPodOperator\nfrom airflow.sdk import DAG\n"
               "from kubernetes.client import models as k8s",
    "constants": ('IMAGE = {image}  # docker build -f docker/Dockerfile -t tfpipe .\n'
                  'STORE_CLAIM = {claim}  # a ReadWriteMany PersistentVolumeClaim holding '
                  'WORKDIR\n'),
    "factory": '''

def component_task(component: str) -> KubernetesPodOperator:
    """Run one component in a pod of the tfpipe image, the shared store mounted at WORKDIR."""
    return KubernetesPodOperator(
        task_id=component, name=f"tfpipe-{{TASK}}-{{component}}".replace("_", "-"),
        image=IMAGE, cmds=["tfpipe"],
        arguments=["run", TASK, "--component", component, *RUN_ARGS, "--json",
                   "--run-id", "{{{{ run_id }}}}"],
        volumes=[k8s.V1Volume(name="tfpipe-store", persistent_volume_claim=(
            k8s.V1PersistentVolumeClaimVolumeSource(claim_name=STORE_CLAIM)))],
        volume_mounts=[k8s.V1VolumeMount(name="tfpipe-store", mount_path=WORKDIR)],
        get_logs=True)
''',
}

TEMPLATES = {"bash": BASH, "docker": DOCKER, "kubernetes": KUBERNETES}


def literal(value: str | list[str] | None) -> str:
    """A Python literal in the file's double-quoted style."""
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return "None" if value is None else json.dumps(value)


def dag_id(spec: ExportSpec) -> str:
    """The DAG's id: tfpipe_<pipeline>, in Airflow's allowed characters."""
    return "tfpipe_" + re.sub(r"[^A-Za-z0-9_.-]", "_", spec.pipeline)


def render_dag(spec: ExportSpec, operator: str = "bash") -> str:
    """The DAG file's text."""
    if operator not in OPERATORS:
        raise ValueError(f"operator {operator!r}: expected one of {', '.join(OPERATORS)}")
    template = TEMPLATES[operator]
    values = {"task": literal(spec.task), "task_name": spec.task, "pipeline": spec.pipeline,
              "workdir": literal(spec.workdir), "run_args": literal(spec.run_args),
              "schedule": literal(spec.schedule), "retries": spec.retries,
              "retry_delay": spec.retry_delay_seconds, "tfpipe": literal(spec.tfpipe),
              "image": literal(spec.image),
              "claim": literal(spec.extra.get("claim", "tfpipe-store")),
              "where": template["where"], "imports": template["imports"]}
    lines = [HEADER.format(**values) + template["constants"].format(**values)
             + template["factory"].format(**values), ""]
    lines.append("with DAG(")
    lines.append(f"    dag_id={literal(dag_id(spec))},")
    lines.append("    schedule=SCHEDULE,")
    # Fixed and in the past: runs at any logical date get tasks, and catchup=False keeps the
    # scheduler from back-filling.
    lines.append("    start_date=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),")
    lines.append("    catchup=False,")
    lines.append("    # One run at a time: two runs of a pipeline never write the same artifact"
                 " or version.")
    lines.append("    max_active_runs=1,")
    lines.append('    default_args={"retries": RETRIES, "retry_delay": RETRY_DELAY},')
    lines.append('    tags=["tfpipe", TASK],')
    lines.append(") as dag:")
    for component in spec.components:
        lines.append(f"    {identifier(component)} = component_task({literal(component)})")
    lines.append("")
    for upstream, downstream in spec.edges:
        lines.append(f"    {identifier(upstream)} >> {identifier(downstream)}")
    return "\n".join(lines) + "\n"


def names_dag_file(output: str) -> bool:
    """True when `-o` names the DAG file itself (NAME.py), not the DAG folder."""
    return output.endswith(".py")


def write_dag(spec: ExportSpec, output: str, operator: str = "bash") -> str:
    """Write the DAG file: `output` itself when it names a .py file, else <output>/<dag_id>.py
    in the DAG folder `output`; its path."""
    if names_dag_file(output):
        path = output
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    else:
        os.makedirs(output, exist_ok=True)
        path = os.path.join(output, f"{dag_id(spec)}.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_dag(spec, operator))
    return path
