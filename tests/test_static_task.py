"""The static-task protocol of Madsen & Johansen and benchmarks/static_task_table.py."""

import csv
import importlib.util
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from filelock import FileLock

from nalu_lib.tasks.static_task import cells as table_cells
from nalu_lib.tasks.static_task import protocol, runner
from nalu_lib.tasks.static_task import results as table_results
from nalu_lib.tasks.static_task.stream import StaticTaskStream

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("static_task_table", ROOT / "benchmarks" / "static_task_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("op", ["mul", "add", "sub"])
def test_thresholds_agree_with_the_published_ones_within_one_percent(op):
    ours = protocol.published_threshold(op)
    assert abs(ours / protocol.PUBLISHED_THRESHOLDS[op] - 1) < 0.01
    # the data's own 25-input subsets give a different (for addition, 8% higher) threshold
    assert protocol.published_threshold(op, subset_size=25) >= ours * 0.99


def test_subsets_follow_their_code():
    assert [protocol.subset_offset(s) for s in (0, 1, 2)] == [44, 37, 40]
    masks = protocol.subset_masks([0])
    a, b = np.flatnonzero(masks[0, :, 0]), np.flatnonzero(masks[0, :, 1])
    assert a.tolist() == list(range(44, 69)) and b.tolist() == list(range(57, 82))
    assert len(set(a) & set(b)) == 12


@pytest.mark.parametrize("per_seed", [False, True])
def test_stream_targets_are_each_seeds_op_of_its_subsets(per_seed):
    seeds = [0, 3, 9]
    stream = StaticTaskStream("mul", seeds, per_seed_inputs=per_seed)
    x, y = (t.numpy() for t in stream.batch(tf.constant(5)))
    masks = protocol.subset_masks(seeds).astype(np.float64)
    ab = np.einsum("snd,sdk->snk" if per_seed else "nd,sdk->snk", x.astype(np.float64), masks)
    np.testing.assert_allclose(y[..., 0], ab[..., 0] * ab[..., 1], rtol=1e-6)
    sub = StaticTaskStream("sub", seeds, per_seed_inputs=per_seed)
    _, y_sub = (t.numpy() for t in sub.batch(tf.constant(5)))
    assert np.max(np.abs(y_sub[..., 0] - (ab[..., 0] - ab[..., 1]))) < 2e-5  # far below sqrt(1.4e-8)
    assert x.min() >= 1.0 and x.max() < 2.0 and abs(x.mean() - 1.5) < 0.01
    x_next, _ = stream.batch(tf.constant(6))
    assert not np.array_equal(x, x_next.numpy())  # fresh inputs every step
    np.testing.assert_array_equal(x, stream.batch(tf.constant(5))[0].numpy())  # and reproducible


def test_nac_initialisation_matches_theirs():
    assert table_cells.nac_init_limit(100, 2) == pytest.approx(0.5039, abs=1e-3)
    assert table_cells.nac_init_limit(2, 1) == pytest.approx(9.471, abs=1e-2)


def test_model_selection_takes_the_first_best_validation_step():
    interpolation = np.array([[5.0, np.nan], [1.0, np.nan], [1.0, np.nan], [3.0, np.nan]])
    np.testing.assert_array_equal(protocol.select(interpolation), [1, 3])


def test_bad_cell_and_arguments_are_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        runner.run_cell("NMU:div", 2)
    with pytest.raises(ValueError, match="max_steps"):
        runner.run_cell("NAU:add", 2, max_steps=10)
    with pytest.raises(ValueError, match="op must be"):
        StaticTaskStream("div", [0])


def test_benchmark_writes_resumes_and_redoes(tmp_path, capsys):
    bench = _benchmark_module()
    out = tmp_path / "table.csv"
    args = ["--cells", "NAU:sub,NMU:mul", "--seeds", "2", "--max-steps", "2000", "--out", str(out)]
    args += ["--checkpoints", str(tmp_path / "ck")]
    assert bench.main(args) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == "0/2 cells consistent with theirs (Fisher's exact test, p >= 0.05)"
    assert sum(line.startswith(("NAU:sub", "NMU:mul")) for line in printed) == 2
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and list(rows[0]) == table_results.CSV_COLUMNS
    assert {r["cell"] for r in rows} == {"NAU:sub", "NMU:mul"}
    assert all(r["steps_run"] == "2000" and r["seed"] in ("0", "1") for r in rows)
    before = out.read_text()

    assert bench.main(args) == 0  # resumes: nothing to run, the CSV is untouched
    assert "(from table.csv) NAU:sub" in capsys.readouterr().out
    assert out.read_text() == before

    assert bench.main([*args[:-2], "--out", str(out), "--redo", "NAU:sub", "--max-steps", "3000"]) == 0
    loaded = table_results.load_results(out)
    assert [r["steps_run"] for r in loaded["NAU:sub"]] == [3000, 3000]
    assert [r["steps_run"] for r in loaded["NMU:mul"]] == [2000, 2000]
    capsys.readouterr()

    # in parts: each run of a paused cell writes its row and continues from its checkpoint
    parts = ["--cells", "NAU:sub", "--seeds", "2", "--max-steps", "3000", "--out", str(out)]
    parts += ["--time-limit", "0", "--checkpoints", str(tmp_path / "ck")]
    assert bench.main([*parts, "--redo", "NAU:sub"]) == 0
    assert (tmp_path / "ck" / "NAU_sub.npz").exists()
    assert [r["steps_run"] for r in table_results.load_results(out)["NAU:sub"]] == [1000, 1000]
    assert "part 1" in capsys.readouterr().out
    assert bench.main(parts) == 0
    assert "NAU:sub: continuing from" in capsys.readouterr().out
    assert bench.main(parts) == 0
    loaded = table_results.load_results(out)
    assert [r["steps_run"] for r in loaded["NAU:sub"]] == [3000, 3000]
    assert loaded["NAU:sub"][0]["stop_reason"] == "reached max_steps=3000 (in 3 parts)"
    assert not (tmp_path / "ck" / "NAU_sub.npz").exists()
    assert [r["steps_run"] for r in loaded["NMU:mul"]] == [2000, 2000]
    assert bench.main(parts) == 0  # done: read from the CSV
    assert "(from table.csv) NAU:sub" in capsys.readouterr().out


def test_a_cells_products_are_its_first_layers():
    # Cell.products (what --speed times as the cell's own floor) follows the model it builds:
    # three products over the inputs for a NALU first layer (additive path, log path, gate), else one
    from nalu_lib.units import NALU

    for name, cell in table_cells.CELLS.items():
        first = cell.build().layers[0]
        assert cell.products == (3 if isinstance(first, NALU) else 1), name


def test_benchmark_times_the_step_beside_the_floor(capsys):
    bench = _benchmark_module()
    assert (
        bench.main(["--cells", "NAU:add,NALU:add", "--seeds", "2", "--speed", "2000", "--out", "/nonexistent/x.csv"])
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    nau, nalu = lines[-2:]
    assert nau.startswith("NAU:add") and "us/step for 2 seeds vs floor" in nau and "products" not in nau
    # the NALU's first layer has three products: it is also timed beside three pairs of them
    assert nalu.startswith("NALU:add") and "us/step for 2 seeds vs floor" in nalu and "vs its 3 products" in nalu
    assert sum("its first layer's 3 products for 2 seeds" in line for line in lines) == 1
    for bad in ("1000", "2500"):
        with pytest.raises(SystemExit):
            bench.main(["--cells", "NAU:add", "--seeds", "2", "--speed", bad])
    assert "--speed must be a multiple of 1000 steps, at least 2000" in capsys.readouterr().err


def test_a_cell_in_parts_is_the_cell_in_one_run(tmp_path):
    # time_limit=0 pauses after every evaluation: three parts of 1000 steps each, then done
    whole = runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500)
    checkpoint = tmp_path / "NAU_sub.npz"
    for part in (1, 2):
        paused = runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, time_limit=0, checkpoint=checkpoint)
        assert paused.steps_run == 1000 * part and checkpoint.exists()
        assert paused.stop_reason == f"time limit of 0 s (part {part}; NAU_sub.npz continues it)"
    done = runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, time_limit=0, checkpoint=checkpoint)
    # done; the checkpoint stays until the caller has written the result (write before delete)
    assert done.steps_run == 3000 and not done.paused and checkpoint.exists()
    assert done.stop_reason == "reached max_steps=3000 (in 3 parts)"
    for field in ("success", "solved_at", "extrapolation_mse", "interpolation_mse", "sparsity_error", "selected_step"):
        np.testing.assert_array_equal(getattr(done, field), getattr(whole, field), err_msg=field)
    assert done.wall_seconds > paused.wall_seconds and done.cpu_seconds > paused.cpu_seconds
    runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, time_limit=0, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="is of cell 'NAU:sub' with 2 seeds"):  # not another cell's
        runner.run_cell("NAU:add", 2, max_steps=3000, n_eval=500, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="is of cell 'NAU:sub' with 2 seeds"):  # nor other seeds'
        runner.run_cell("NAU:sub", [0, 2], max_steps=3000, n_eval=500, checkpoint=checkpoint)


def test_a_settled_cell_in_parts_stops_where_the_cell_in_one_run_stops(tmp_path, monkeypatch):
    # an early stop depends on the streak of successful evaluations, carried across the parts
    cell = table_cells.CELLS["NAU:sub"]
    monkeypatch.setitem(table_cells.CELLS, "NAU:sub", table_cells.Cell(cell.model, cell.op, cell.build, 0))
    kwargs = {"max_steps": 30_000, "n_eval": 500, "stable_evaluations": 3}
    whole = runner.run_cell("NAU:sub", 2, **kwargs)
    assert whole.stop_reason.startswith("settled") and whole.steps_run < 30_000
    checkpoint, parts = tmp_path / "NAU_sub.npz", 0
    while True:
        result = runner.run_cell("NAU:sub", 2, **kwargs, time_limit=0.5, checkpoint=checkpoint)
        parts += 1
        if not result.paused:
            break
    assert parts > 1 and result.stop_reason == f"{whole.stop_reason} (in {parts} parts)"
    assert result.steps_run == whole.steps_run
    np.testing.assert_array_equal(result.extrapolation_mse, whole.extrapolation_mse)


RESULT_COLUMNS = ["cell", "seed", "success", "solved_at", "extrapolation_mse", "interpolation_mse", "sparsity_error"]
RESULT_COLUMNS += ["selected_step", "steps_run", "max_steps", "threshold"]


def _result_columns(path):
    with open(path, newline="") as handle:
        return [{key: row[key] for key in RESULT_COLUMNS} for row in csv.DictReader(handle)]


def _benchmark(*args) -> list[str]:
    return [sys.executable, str(ROOT / "benchmarks" / "static_task_table.py"), *map(str, args)]


def test_a_run_killed_mid_part_continues_to_the_uninterrupted_run(tmp_path):
    common = ["--cells", "NAU:sub", "--seeds", "2", "--max-steps", "12000"]
    whole = tmp_path / "whole.csv"
    subprocess.run(_benchmark(*common, "--out", whole, "--checkpoints", tmp_path / "ck_whole"), check=True)

    out, checkpoints = tmp_path / "parts.csv", tmp_path / "ck"
    parts = [*common, "--out", out, "--checkpoints", checkpoints, "--time-limit", "1"]
    subprocess.run(_benchmark(*parts), check=True, capture_output=True)  # part 1, paused
    assert (checkpoints / "NAU_sub.npz").exists()
    before = out.read_bytes(), (checkpoints / "NAU_sub.npz").read_bytes()
    # part 2, killed (SIGKILL) while it trains: its progress since the checkpoint is lost, nothing else.
    # It has time for all its steps and reports every 1,000: the kill follows its first report,
    # with thousands of steps still to run and nothing written yet.
    killed = subprocess.Popen(
        _benchmark(*common, "--out", out, "--checkpoints", checkpoints, "--report-every", "1000"),
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = []
    for line in killed.stdout:
        lines.append(line)
        if "NAU:sub step" in line:
            break
    assert any("continuing from" in line for line in lines), "".join(lines)
    assert killed.poll() is None, "the part ended before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    after = out.read_bytes(), (checkpoints / "NAU_sub.npz").read_bytes()
    assert after == before, "the killed part wrote its rows or its checkpoint: it was not killed mid-part"
    for _ in range(30):  # continue to the end
        subprocess.run(_benchmark(*parts), check=True, capture_output=True)
        if not (checkpoints / "NAU_sub.npz").exists():
            break
    assert _result_columns(out) == _result_columns(whole)
    assert [row["steps_run"] for row in _result_columns(out)] == ["12000", "12000"]


def test_a_run_stopped_between_writing_its_rows_and_removing_its_checkpoint_loses_nothing(tmp_path, monkeypatch):
    bench = _benchmark_module()
    args = ["--cells", "NAU:sub", "--seeds", "2", "--max-steps", "2000", "--out", str(tmp_path / "t.csv")]
    args += ["--checkpoints", str(tmp_path / "ck"), "--time-limit", "0"]
    assert bench.main(args) == 0  # part 1 of 2
    first = _result_columns(tmp_path / "t.csv")
    real_unlink = pathlib.Path.unlink

    def stopped(self, missing_ok=False):
        raise KeyboardInterrupt  # the process dies after writing its rows, before removing the checkpoint

    monkeypatch.setattr(pathlib.Path, "unlink", stopped)
    with pytest.raises(KeyboardInterrupt):
        bench.main(args)
    monkeypatch.setattr(pathlib.Path, "unlink", real_unlink)
    written = _result_columns(tmp_path / "t.csv")
    assert written != first and [row["steps_run"] for row in written] == ["2000", "2000"]
    assert (tmp_path / "ck" / "NAU_sub.npz").exists()
    assert bench.main(args) == 0  # redoes the last part from the checkpoint: the same rows
    assert _result_columns(tmp_path / "t.csv") == written
    assert not (tmp_path / "ck" / "NAU_sub.npz").exists()


def test_a_second_process_naming_a_running_cell_refuses(tmp_path, capsys):
    bench = _benchmark_module()
    checkpoints = tmp_path / "ck"
    args = ["--cells", "NAU:sub", "--seeds", "2", "--max-steps", "2000", "--out", str(tmp_path / "t.csv")]
    args += ["--checkpoints", str(checkpoints)]
    checkpoints.mkdir()
    with FileLock(checkpoints / "NAU_sub.running.lock"):  # as the process running the cell holds it
        assert bench.main(args) == 1
    assert "NAU:sub: another process is running this cell" in capsys.readouterr().out
    assert not (tmp_path / "t.csv").exists()
    assert bench.main(args) == 0  # once it is free


def test_progress_is_reported_every_report_every_steps():
    lines = []
    runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, report=lines.append, report_every=1000)
    assert [line.split("step")[1].split(":")[0].strip() for line in lines] == ["1,000", "2,000", "3,000"]
    for wrong in (500, 1500, 0):
        with pytest.raises(ValueError, match="report_every"):
            runner.run_cell("NAU:sub", 2, max_steps=3000, report_every=wrong)


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    checkpoint = tmp_path / "NAU_sub.npz"
    runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, time_limit=0, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="n_eval=500"):
        runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=600, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="per_seed_inputs=False"):
        runner.run_cell("NAU:sub", 2, max_steps=3000, n_eval=500, per_seed_inputs=True, checkpoint=checkpoint)


def _cell_result(cell, success, solved_at, sparsity_error, cpu_seconds=7200.0):
    n = len(success)
    return runner.CellResult(
        cell=cell,
        seeds=list(range(n)),
        success=np.array(success, bool),
        solved_at=np.array(solved_at),
        extrapolation_mse=np.linspace(1.23456789e-9, 2e-3, n),
        interpolation_mse=np.full(n, 4.5e-11),
        sparsity_error=np.array(sparsity_error),
        selected_step=np.arange(n) * 1000 + 4000,
        steps_run=9000,
        max_steps=10000,
        stop_reason="settled",
        wall_seconds=1234.5,
        cpu_seconds=cpu_seconds,
        threshold=2.5e-7,
        us_per_step=321.0,
    )


def _write_results_csv(path, *results, per_seed_inputs=False):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=table_results.CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            writer.writerows(table_results.result_rows(result, per_seed_inputs))
    return path


def test_summarize_gives_the_figures_of_a_small_results_csv_worked_out_by_hand(tmp_path):
    path = _write_results_csv(
        tmp_path / "table.csv",
        # three of four seeds succeed; the failure's solved_at of -1 and sparsity error must not count
        _cell_result("NMU:mul", [1, 1, 0, 1], [3000, 1000, -1, 8000], [0.1, 0.3, 0.9, 0.2]),
        _cell_result("NAU:add", [0, 0, 0], [-1, -1, -1], [0.5, 0.6, 0.7], cpu_seconds=900.0),
    )
    results = table_results.load_results(path)
    assert list(results) == ["NMU:mul", "NAU:add"] and [len(rows) for rows in results.values()] == [4, 3]
    nmu, nau = (table_results.summarize(results[cell]) for cell in ("NMU:mul", "NAU:add"))
    # Wilson 95% for 3 of 4: centre (p + z^2/2n) / (1 + z^2/n) -+ half-width, z = 1.959964
    assert (nmu["rate"], nmu["low"], nmu["high"]) == pytest.approx((0.75, 0.300642, 0.954413), abs=1e-6)
    assert nmu["solved"] == 3000.0 and nmu["sparsity"] == pytest.approx(0.2)  # medians over the successes
    assert (nmu["steps"], nmu["seeds"], nmu["reason"]) == (9000, 4, "settled")
    assert nmu["cpu_hours"] == 2.0 and nmu["wall"] == 1234.5 and nmu["us_per_step"] == 321.0
    # none of 3: [0, z^2 / (3 + z^2)] = [0, 0.561497]
    assert (nau["rate"], nau["low"], nau["high"]) == pytest.approx((0.0, 0.0, 0.561497), abs=1e-6)
    assert nau["solved"] is None and nau["sparsity"] is None and nau["cpu_hours"] == 0.25
    # overlapping intervals are not a test of agreement: summarize judges nothing, compare does
    assert "inside" not in nmu
    assert table_results.load_results(tmp_path / "missing.csv") == {}


def test_committed_table_holds_all_eleven_cells_at_100_seeds_and_5_million_steps():
    # a check of the committed file, not of code: the table that notebooks 04 and 05 read
    results = table_results.load_results(table_results.RESULTS_CSV)
    assert set(results) == set(table_cells.CELLS), sorted(results)
    for cell, rows in results.items():
        assert sorted(r["seed"] for r in rows) == list(range(100)), cell
        assert len({(r["steps_run"], r["stop_reason"]) for r in rows}) == 1, f"{cell}: one run per cell"
        assert "continues it" not in rows[0]["stop_reason"], f"{cell}: a paused run"
        assert rows[0]["steps_run"] == protocol.MAX_STEPS, f"{cell}: not run to 5 million steps"


def test_side_by_side_reads_the_results_and_refuses_unknown_cells(tmp_path):
    out = tmp_path / "table.csv"
    rows = [
        {
            **{column: 0 for column in table_results.CSV_COLUMNS},
            "cell": "NMU:mul",
            "model": "NMU",
            "op": "mul",
            "seed": seed,
            "success": int(seed < 3),
            "solved_at": 1000 * (seed + 1) if seed < 3 else -1,
            "stop_reason": "test",
            "steps_run": 5000,
        }
        for seed in range(4)
    ]
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=table_results.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    live = {"NMU:mul": (0.5, 0.1, 0.9), "NAU:add": (1, 0.8, 1)}
    assert [row["cell"] for row in table_results.side_by_side(live, path=out)] == ["NMU:mul"]  # the CSV's cells
    table = table_results.side_by_side(live, cells=["NMU:mul", "NAU:add"], path=out)
    assert [row["cell"] for row in table] == ["NMU:mul", "NAU:add"]
    nmu, nau = table
    assert nmu["published"] == (0.98, 0.93, 0.99) and nmu["live"] == (0.5, 0.1, 0.9)
    assert nmu["full"][0] == 0.75 and nmu["summary"]["solved"] == 2000 and nmu["summary"]["steps"] == 5000
    # ours (3 of 4) beside theirs (98 of 100): Fisher's exact test, worked out below
    assert nmu["versus"]["ours"]["successes"] == 3 and nmu["versus"]["theirs"]["successes"] == 98
    assert nmu["versus"]["p"] == pytest.approx(_fisher_two_sided(3, 1, 98, 2)) and nmu["versus"]["consistent"] is True
    assert nau["full"] is None and nau["summary"] is None  # not in this CSV: theirs alone
    assert nau["versus"]["ours"] is None and nau["versus"]["p"] is None and nau["versus"]["theirs"]["successes"] == 100
    text = table_results.format_side_by_side(table)
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["cell", "theirs", "ours", "Fisher"]
    assert lines[1].split()[:4] == ["NMU:mul", "98/100", "3/4", f"{nmu['versus']['p']:.2f}"]
    assert "50% (10%-90%)" in lines[1] and "2,000" in lines[1] and "1,434,500" in lines[1]  # medians: ours, theirs
    assert lines[2].split()[:4] == ["NAU:add", "100/100", "-", "-"] and "18,000" in lines[2]
    with pytest.raises(ValueError, match="cells"):
        table_results.side_by_side({"NMU:div": (0, 0, 1)}, path=out)
    with pytest.raises(ValueError, match="cells"):
        table_results.side_by_side(cells=["nmu"], path=out)


def _fisher_two_sided(a, b, c, d):
    """Fisher's exact test of [[a, b], [c, d]] from its definition: the probability, under the
    hypergeometric law with the margins fixed, of every table no more likely than the observed."""
    from math import comb

    row, col, n = a + b, a + c, a + b + c + d

    def prob(x):
        return comb(col, x) * comb(n - col, row - x) / comb(n, row)

    observed = prob(a)
    return sum(prob(x) for x in range(max(0, row + col - n), min(row, col) + 1) if prob(x) <= observed * (1 + 1e-7))


def test_fisher_p_is_fishers_exact_test():
    # compare() takes p from scipy; this checks it against the definition on tables worked by hand
    theirs = [{"cell": "NALU:sub", "success": int(i < 14), "solved_at": 1, "sparsity_error": 0.1} for i in range(100)]
    for k in (25, 14, 4, 0):
        ours = [{**row, "success": int(i < k)} for i, row in enumerate(theirs)]
        side = table_results.compare(ours, theirs)
        assert side["p"] == pytest.approx(_fisher_two_sided(k, 100 - k, 14, 86), rel=1e-9), k
    # 25 of 100 against 14 of 100: p = 0.073, consistent; 4 against 14: p = 0.024, not
    assert table_results.compare([{**r, "success": int(i < 25)} for i, r in enumerate(theirs)], theirs)["consistent"]
    assert not table_results.compare([{**r, "success": int(i < 4)} for i, r in enumerate(theirs)], theirs)["consistent"]


def test_protocol_figure_draws_each_given_mark():
    import matplotlib

    matplotlib.use("Agg")
    from nalu_lib.notebook import plots

    cells = [
        {"label": "NMU:mul", "published": (0.98, 0.93, 0.99), "full": (0.95, 0.89, 0.98), "live": (0.0, 0.0, 0.16)},
        {"label": "NAU:add", "published": (1.0, 0.96, 1.0), "full": None},
    ]
    ax = plots.protocol_success_rates(cells)
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert [label for _, label in ticks] == ["NAU:add", "NMU:mul"]  # the first cell on top
    markers = {line.get_marker(): len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() in "Dos"}
    assert markers == {"D": 2, "o": 1, "s": 1}


def test_seed_values_figure_draws_every_positive_value_and_counts_the_rest():
    import matplotlib

    matplotlib.use("Agg")
    from nalu_lib.notebook import plots

    cells = {"NAU:add": ([1e-6, 2e-6, 3e-4], [1e-6, 5e-7]), "NAU:sub": ([0.5, 0.0, float("nan")], [1e-6])}
    ax = plots.seed_values_side_by_side(cells, "sparsity error")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["NAU:add", "NAU:sub (2 not shown)"]  # the first cell on top; 0 and NaN off a log axis
    drawn = sorted(len(c.get_offsets()) for c in ax.collections)
    assert drawn == [1, 1, 2, 3] and ax.get_xscale() == "log"
    medians = sorted(line.get_xdata()[0] for line in ax.get_lines())
    assert medians == pytest.approx(sorted([2e-6, 7.5e-7, 0.5, 1e-6]))  # one tick per side with a value
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["theirs", "ours"]


def test_result_rows_mark_the_input_stream_and_load_back_as_written(tmp_path):
    result = _cell_result("NAU:add", [1, 0, 1], [5000, -1, 7000], [0.01, 0.2, 0.03])
    per_seed = table_results.load_results(_write_results_csv(tmp_path / "per_seed.csv", result, per_seed_inputs=True))
    shared = table_results.load_results(_write_results_csv(tmp_path / "shared.csv", result))
    assert [r["per_seed_inputs"] for r in per_seed["NAU:add"]] == ["1"] * 3
    assert [r["per_seed_inputs"] for r in shared["NAU:add"]] == ["0"] * 3
    rows = per_seed["NAU:add"]
    assert [(r["cell"], r["model"], r["op"]) for r in rows] == [("NAU:add", "NAU", "add")] * 3
    assert [(r["seed"], r["success"], r["solved_at"], r["selected_step"]) for r in rows] == [
        (0, 1, 5000, 4000),
        (1, 0, -1, 5000),
        (2, 1, 7000, 6000),
    ]
    assert all(type(r[key]) is int for r in rows for key in ("seed", "success", "solved_at", "steps_run"))
    assert rows[0]["extrapolation_mse"] == 1.23457e-09  # six significant digits
    assert rows[2]["extrapolation_mse"] == 2e-3 and rows[1]["interpolation_mse"] == 4.5e-11
    assert [r["sparsity_error"] for r in rows] == [0.01, 0.2, 0.03]
    assert {(r["steps_run"], r["max_steps"], r["stop_reason"], r["threshold"]) for r in rows} == {
        (9000, 10000, "settled", 2.5e-7)
    }
    assert {(r["batch_size"], r["learning_rate"], r["evaluate_every"]) for r in rows} == {
        (protocol.BATCH_SIZE, protocol.LEARNING_RATE, str(protocol.EVALUATE_EVERY))
    }
    summary = table_results.summarize(rows)
    assert summary["rate"] == pytest.approx(2 / 3) and summary["solved"] == 6000.0 and summary["seeds"] == 3
    assert summary["sparsity"] == pytest.approx(0.02)


def test_committed_data_per_seed_stream_run_of_nau_add_matches_the_shared_stream_run():
    # a check of the committed data, not of code: the one deviation in the data is a shared input
    # stream for every seed of a cell; with a stream per seed, as in Madsen & Johansen's runs, the
    # NAU's addition turns out the same
    per_seed = table_results.load_results(ROOT / "benchmarks" / "results" / "static_task_per_seed_inputs.csv")
    shared = table_results.load_results()
    assert set(per_seed) == {"NAU:add"} and all(r["per_seed_inputs"] == "1" for r in per_seed["NAU:add"])
    ours, theirs = table_results.summarize(shared["NAU:add"]), table_results.summarize(per_seed["NAU:add"])
    assert ours["seeds"] == theirs["seeds"] == 100
    assert ours["rate"] == theirs["rate"] == 1.0
    assert 0.5 <= theirs["solved"] / ours["solved"] <= 2, (theirs["solved"], ours["solved"])


def test_their_per_seed_file_sums_to_their_published_table():
    # a check of the committed copy of their sft-last.csv: its successes are their table's rates
    theirs = table_results.load_published_per_seed()
    assert list(theirs) == list(table_cells.CELLS)
    for cell, rows in theirs.items():
        assert sorted(r["seed"] for r in rows) == list(range(100)), cell
        assert sum(r["success"] for r in rows) == round(100 * protocol.PUBLISHED[cell][0]), cell
    # their slow tail: 6 of the NAU's 100 addition seeds first solved after 100,000 steps
    assert sum(r["solved_at"] > 100_000 for r in theirs["NAU:add"]) == 6


def test_compare_counts_tests_and_summarises_the_successful_seeds():
    def rows(successes, solved, sparsity):
        return [
            {"cell": "NAU:add", "success": s, "solved_at": t if s else -1, "sparsity_error": e}
            for s, t, e in zip(successes, solved, sparsity, strict=True)
        ]

    ours = rows([1, 1, 1, 0], [1000, 2000, 4000, 9000], [0.1, 0.2, 0.6, 0.9])
    theirs = rows([1, 0, 0, 0], [3000, 0, 0, 0], [0.5, 0.5, 0.5, 0.5])
    side = table_results.compare(ours, theirs)
    assert side["ours"]["successes"] == 3 and side["theirs"]["successes"] == 1
    assert side["ours"]["solved_at_quartiles"] == (1500.0, 2000.0, 3000.0)  # failures left out
    assert side["ours"]["sparsity_median"] == pytest.approx(0.2) and side["ours"]["sparsity_mean"] == pytest.approx(0.3)
    assert side["p"] == pytest.approx(0.4857142857)  # Fisher's exact test of [[3, 1], [1, 3]], worked out by hand
    assert side["consistent"]
    many = table_results.compare(rows([1] * 50 + [0] * 50, [1] * 100, [0] * 100), rows([1] * 100, [1] * 100, [0] * 100))
    assert many["p"] < 1e-10 and not many["consistent"]
    assert many["theirs"]["sparsity_mean"] == 0
