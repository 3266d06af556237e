"""Local runner: dependency order, content-addressed cache, atomic artifacts, hooks."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from tfpipe import artifacts as art
from tfpipe import cache, data_fingerprint, figures, files
from tfpipe.component import Report
from tfpipe.context import RunContext
from tfpipe.errors import ComponentFailed, TfpipeError, UpstreamMissing
from tfpipe.faults import pause_point
from tfpipe.pipeline import Node, Pipeline, Resolved
from tfpipe.warm_start import run_while_importing


@dataclass
class Outcome:
    """How one component fared in this run."""

    component: str
    key: str
    cached: bool
    reason: str
    seconds: float
    record: art.ArtifactRecord


@dataclass
class RunState:
    """What the runner knows mid-run; resolvers of late parameters read it."""

    pipeline: Pipeline
    workdir: str
    artifacts_root: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def artifact(self, node: str, output: str, artifact_type: type[art.Artifact]) -> art.Artifact:
        """A finished upstream output as a typed artifact."""
        return self.outcomes[node].record.output(output, artifact_type)


class RunHook(Protocol):
    """Observer of a run (MLflow tracking is one); components never see it."""

    def pipeline_started(self, state: RunState) -> None: ...

    def component_starting(self, state: RunState, node: Node) -> None: ...

    def component_finished(self, state: RunState, node: Node, outcome: Outcome) -> None: ...

    def pipeline_finished(self, state: RunState, seconds: float) -> None: ...

    def pipeline_failed(self, state: RunState, error: BaseException) -> None: ...


class LocalRunner:
    """Runs a pipeline in this process, component by component."""

    def __init__(self, workdir: str, beam_args: list[str] | None = None,
                 hooks: list[RunHook] | None = None, quiet: bool = False,
                 warm_imports: dict[str, tuple[str, ...]] | None = None) -> None:
        self.workdir = os.path.abspath(workdir)
        self.beam_args = list(beam_args or [])
        self.hooks = list(hooks or [])
        self.quiet = quiet
        # Per node: modules to import here while that node runs in a forked child.
        self.warm_imports = dict(warm_imports or {})
        self._data_memo = os.path.join(self.workdir, "artifacts", data_fingerprint.MEMO_NAME)

    def run(self, pipeline: Pipeline, only: str | None = None) -> RunState:
        """Execute every node in order; a node whose key has a complete artifact is skipped.

        With `only`, run that one node: its upstream nodes' outputs are looked up in the
        artifact store by their cache keys (UpstreamMissing when one is absent); hooks see
        only that node.
        """
        state = RunState(pipeline, self.workdir, os.path.join(self.workdir, "artifacts"))
        os.makedirs(state.artifacts_root, exist_ok=True)
        imports_memo = os.path.join(state.artifacts_root, cache.IMPORTS_MEMO_NAME)
        cache.load_imports_memo(imports_memo)
        art.remove_stale_staging(os.path.join(self.workdir, files.SCRATCH))  # killed runs' scratch
        started = time.perf_counter()
        nodes = pipeline.ordered()
        if only is not None:
            target = pipeline.node(only)
            upstream = pipeline.upstream(only)
            nodes = [target]
        for hook in self.hooks:
            hook.pipeline_started(state)
        try:
            if only is not None:
                for node in pipeline.ordered():
                    if node.name in upstream:
                        state.outcomes[node.name] = self._from_store(state, node, only)
            for index, node in enumerate(nodes, start=1):
                self._say(f"[{index}/{len(nodes)}] {node.name}")
                for hook in self.hooks:
                    hook.component_starting(state, node)
                outcome = self._run_node(state, node)
                state.outcomes[node.name] = outcome
                verb = "cached" if outcome.cached else f"ran ({outcome.reason})"
                self._say(f"[{index}/{len(nodes)}] {node.name}: {verb}, {outcome.seconds:.1f}s")
                for hook in self.hooks:
                    hook.component_finished(state, node, outcome)
        except BaseException as error:
            for hook in self.hooks:
                hook.pipeline_failed(state, error)
            raise
        finally:
            figures.stop()
        with contextlib.suppress(OSError):  # the memo only saves the next run some parsing
            cache.save_imports_memo(imports_memo)
        for hook in self.hooks:
            hook.pipeline_finished(state, time.perf_counter() - started)
        return state

    def _address(self, state: RunState, node: Node) -> tuple[dict[str, Any], dict, str, str]:
        """Resolved params, fingerprint, cache key and artifact folder of a node in this run."""
        params = {name: (value.resolve(state) if isinstance(value, Resolved) else value)
                  for name, value in node.params.items()}
        fingerprint = self._fingerprint(state, node, params)
        key = cache.cache_key(fingerprint)
        base = files.ensure_within(
            art.component_dir(state.artifacts_root, state.pipeline.name, node.name),
            [self.workdir], f"pipeline {state.pipeline.name!r}: artifact folder")
        return params, fingerprint, key, os.path.join(base, key)

    def _from_store(self, state: RunState, node: Node, needed_by: str) -> Outcome:
        """An upstream node's finished artifact, found by its cache key; never runs it."""
        started = time.perf_counter()
        _, _, key, final_dir = self._address(state, node)
        record = art.read_record(final_dir)
        if record is None:
            raise UpstreamMissing(
                f"component {needed_by} needs the output of upstream component {node.name} "
                f"(cache key {key}), which is not in {os.path.dirname(final_dir)}: run "
                f"`tfpipe run {state.pipeline.task or '<task>'} --component {node.name}` "
                f"with the same data and config first")
        return Outcome(node.name, key, True, "upstream, found by cache key",
                       time.perf_counter() - started, record)

    def _run_node(self, state: RunState, node: Node) -> Outcome:
        started = time.perf_counter()
        params, fingerprint, key, final_dir = self._address(state, node)
        art.remove_stale_staging(os.path.dirname(final_dir))
        record = art.read_record(final_dir)
        if record is not None:
            return Outcome(node.name, key, True, "cache hit", time.perf_counter() - started,
                           record)
        previous = art.list_records(state.artifacts_root, state.pipeline.name, node.name)
        reason = cache.explain_change(previous[-1].fingerprint if previous else None,
                                      fingerprint)
        staging = art.new_staging_dir(final_dir)
        scratch = os.path.join(self.workdir, files.SCRATCH, os.path.basename(staging))
        pause_point(f"component:{node.name}")
        try:
            figures.start()  # before this node's imports; a no-op once started
            report = self._execute(state, node, params, staging, scratch, key)
            figures.finish()  # the artifact is committed with its PNGs written
            art.commit(staging, final_dir, {
                "producer": node.name, "key": key, "pipeline": state.pipeline.name,
                "outputs": {name: t.TYPE for name, t in node.component.outputs.items()},
                "inputs": {name: state.outcomes[ref.node].key
                           for name, ref in node.inputs.items()},
                "params": params, "fingerprint": fingerprint,
                "libraries": fingerprint["libraries"], "report": report.to_json()})
        except TfpipeError:
            figures.finish(discard=True)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except Exception as error:
            figures.finish(discard=True)
            shutil.rmtree(staging, ignore_errors=True)
            raise ComponentFailed(node.name, error) from error
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        record = art.read_record(final_dir)
        assert record is not None, final_dir
        return Outcome(node.name, key, False, reason, time.perf_counter() - started, record)

    def _fingerprint(self, state: RunState, node: Node, params: dict[str, Any]) -> dict:
        spec = node.component
        task = state.pipeline.task_module
        data = {k: data_fingerprint.fingerprint_files(params[k], self._data_memo)
                for k in spec.data_params}
        return {
            "component": spec.name,
            "component_source": cache.source_digest(spec.fn),
            "task_source": cache.package_digest(task) if task is not None else "",
            "params": {k: v for k, v in params.items() if k not in spec.data_params},
            "data": {k: whole for k, (whole, _) in data.items()},
            cache.DATA_FILES: {k: named for k, (_, named) in data.items() if named is not None},
            "inputs": {name: state.outcomes[ref.node].key for name, ref in node.inputs.items()},
            "libraries": cache.library_versions(),
        }

    def _execute(self, state: RunState, node: Node, params: dict[str, Any], staging: str,
                 scratch: str, key: str) -> Report:
        spec = node.component
        kwargs: dict[str, Any] = dict(params)
        for name, ref in node.inputs.items():
            kwargs[name] = state.artifact(ref.node, ref.output, spec.inputs[name])
        for name, artifact_type in spec.outputs.items():
            os.makedirs(os.path.join(staging, name))
            kwargs[name] = artifact_type(uri=os.path.join(staging, name), key=key,
                                         producer=node.name)
        if spec.wants_context:
            kwargs["context"] = RunContext(
                workdir=self.workdir, pipeline=state.pipeline.name, component=node.name,
                beam_args=self.beam_args, scratch=scratch, quiet=self.quiet)
        return run_while_importing(lambda: spec(**kwargs) or Report(),
                                   self.warm_imports.get(node.name, ()))

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)
