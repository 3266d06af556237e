"""`tfpipe export`: outputs it cannot write and missing extras are one-line errors."""
from __future__ import annotations

import importlib.util

from tfpipe import cli


def export(capsys, *argv: str) -> tuple[int, list[str]]:
    code = cli.main(["export", *argv])
    return code, capsys.readouterr().err.strip().splitlines()


def test_an_airflow_dag_folder_that_is_a_file_or_under_one_is_refused(tmp_path, capsys):
    target = tmp_path / "dags"
    target.write_text("a file, not a folder")
    code, err = export(capsys, "airflow", "forecasting", "-o", str(target), "--workdir",
                       str(tmp_path / "w"))
    assert code == 2 and err == [f"tfpipe: error: -o {target}: is a file; for airflow, -o "
                                 "names the DAG folder to write the DAG file into, or the DAG "
                                 "file itself (NAME.py)"]
    code, err = export(capsys, "airflow", "forecasting", "-o", str(target / "sub"),
                       "--workdir", str(tmp_path / "w"))
    assert code == 2 and err == [f"tfpipe: error: -o {target / 'sub'}: cannot write there: "
                                 f"{target} is a file, not a folder"]
    code, err = export(capsys, "airflow", "forecasting", "-o", str(target / "x.py"),
                       "--workdir", str(tmp_path / "w"))
    assert code == 2 and err == [f"tfpipe: error: -o {target / 'x.py'}: cannot write there: "
                                 f"{target} is a file, not a folder"]
    assert target.read_text() == "a file, not a folder"


def test_an_airflow_output_with_another_extension_is_refused_not_made_a_folder(tmp_path,
                                                                               capsys):
    target = tmp_path / "dag.txt"
    code, err = export(capsys, "airflow", "forecasting", "-o", str(target), "--workdir",
                       str(tmp_path / "w"))
    assert code == 2 and err == [f"tfpipe: error: -o {target}: a DAG file must end in .py; "
                                 "give NAME.py, or a folder to write the DAG file into"]
    assert not target.exists()


def test_an_airflow_output_ending_in_py_is_the_dag_file_itself(tmp_path, capsys):
    target = tmp_path / "dags" / "nightly_forecast.py"
    code = cli.main(["export", "airflow", "forecasting", "-o", str(target), "--workdir",
                     str(tmp_path / "w")])
    assert code == 0 and capsys.readouterr().out.strip() == str(target)
    assert target.is_file() and "dag_id=" in target.read_text()
    assert sorted(p.name for p in (tmp_path / "dags").iterdir()) == ["nightly_forecast.py"]
    # A folder that happens to end in .py is not overwritten.
    folder = tmp_path / "odd.py"
    folder.mkdir()
    code, err = export(capsys, "airflow", "forecasting", "-o", str(folder), "--workdir",
                       str(tmp_path / "w"))
    assert code == 2 and err == [f"tfpipe: error: -o {folder}: is a folder; name the DAG file "
                                 "(NAME.py) or the DAG folder"]


def test_kfp_export_without_kfp_names_the_extra_to_install(tmp_path, capsys, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == "kfp" else find_spec(name, *rest))
    code, err = export(capsys, "kfp", "forecasting", "-o", str(tmp_path / "p.yaml"),
                       "--workdir", str(tmp_path / "w"))
    assert code == 2 and len(err) == 1
    assert "needs the kfp package: pip install -c constraints.txt '.[kfp]'" in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_cron_field_out_of_range_is_refused_before_anything_is_written(tmp_path, capsys):
    code, err = export(capsys, "airflow", "forecasting", "-o", str(tmp_path / "dags"),
                       "--workdir", str(tmp_path / "w"), "--schedule", "61 * * * *")
    assert code == 2 and err == ["tfpipe: error: schedule '61 * * * *': minute '61': "
                                 "expected 0-59"]
    assert list(tmp_path.iterdir()) == []


def test_an_option_the_target_or_operator_would_ignore_is_refused(tmp_path, capsys):
    ignored = [
        (["kfp", "--operator", "docker"], "--operator is read only by `tfpipe export airflow`, "
         "not by `tfpipe export kfp`"),
        (["kfp", "--store-claim", "claim"], "--store-claim is read only by `tfpipe export "
         "airflow --operator kubernetes`, not by `tfpipe export kfp`"),
        (["kfp", "--tfpipe", "/usr/bin/tfpipe"], "--tfpipe is read only by `tfpipe export "
         "airflow --operator bash`, not by `tfpipe export kfp`"),
        (["airflow", "--store", "gs://b/t"], "--store is read only by `tfpipe export kfp`, "
         "not by `tfpipe export airflow --operator bash`"),
        (["airflow", "--image", "reg/tfpipe:1"], "--image is read only by `tfpipe export kfp "
         "or airflow --operator docker|kubernetes`, not by `tfpipe export airflow --operator "
         "bash`"),
        (["airflow", "--operator", "docker", "--store-claim", "c"], "--store-claim is read "
         "only by `tfpipe export airflow --operator kubernetes`, not by `tfpipe export airflow "
         "--operator docker`"),
        (["airflow", "--operator", "kubernetes", "--tfpipe", "t"], "--tfpipe is read only by "
         "`tfpipe export airflow --operator bash`, not by `tfpipe export airflow --operator "
         "kubernetes`"),
    ]
    for (target, *options), message in ignored:
        output = tmp_path / ("p.yaml" if target == "kfp" else "dags")
        code, err = export(capsys, target, "forecasting", "-o", str(output), "--workdir",
                           str(tmp_path / "w"), *options)
        assert (code, err) == (2, [f"tfpipe: error: {message}: drop it, or export to where "
                                   "it is read"]), options
        assert not output.exists() and not (tmp_path / "w").exists()


def test_options_the_target_reads_are_taken_and_defaults_fill_the_rest(tmp_path, capsys):
    dags = tmp_path / "dags"
    code = cli.main(["export", "airflow", "forecasting", "-o", str(dags), "--workdir",
                     str(tmp_path / "w"), "--operator", "kubernetes", "--image", "reg/tfpipe:2"])
    assert code == 0, capsys.readouterr().err
    dag = (dags / "tfpipe_forecasting.py").read_text()
    assert "reg/tfpipe:2" in dag and "tfpipe-store" in dag  # the claim's default
