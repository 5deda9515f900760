"""The playground of notebook 06 without a browser: its logic, its widgets and its Train handler."""

import base64

import ipywidgets
import numpy as np
import pytest

from nalu_lib import units
from nalu_lib.models import stacked
from nalu_lib.notebook import widgets
from nalu_lib.notebook.widgets import Playground, Settings


def _png_bytes(output: dict) -> bytes:
    return base64.b64decode(output["data"]["image/png"])


# --------------------------------------------------------------------------- the units


def _exported_units() -> dict:
    """The units nalu_lib exports, by class name: the ArithmeticUnit subclasses in
    nalu_lib.units.__all__ with a compute of their own (not the bases ArithmeticUnit and
    SparseUnit); the recurrent cells are not ArithmeticUnits."""
    exported = (getattr(units, name) for name in units.__all__)
    return {
        cls.__name__: cls
        for cls in exported
        if isinstance(cls, type)
        and issubclass(cls, units.ArithmeticUnit)
        and cls.compute is not units.ArithmeticUnit.compute
    }


#: The units the playground (notebook 06) offers after the MLP, menu name -> class name: every
#: unit nalu_lib exports, in the order of the notebooks that teach them (01 to 05, then 10).
PLAYGROUND_UNITS = {
    "NAC": "NAC",
    "NALU": "NALU",
    "NAU": "NAU",
    "NMU": "NMU",
    "NPU": "NPU",
    "RealNPU": "RealNPU",
    "iNALU": "INALU",
}


def test_units_registry_offers_every_unit_and_builds_each():
    exported = _exported_units()
    assert set(exported) == set(PLAYGROUND_UNITS.values())  # no unit nalu_lib exports is left off the menu
    assert list(widgets.UNITS) == ["MLP", *PLAYGROUND_UNITS]  # the order of the notebooks
    mlp = widgets.UNITS["MLP"].build()
    mlp.build((None, 2))
    assert not any(isinstance(layer, units.ArithmeticUnit) for layer in mlp.layers)
    for name, class_name in PLAYGROUND_UNITS.items():
        model = widgets.UNITS[name].build()
        model.build((None, 2))
        assert [type(layer) for layer in model.layers] == [exported[class_name]], name
        assert model.output_shape == (None, 1), name
        assert "notebook" in widgets.UNITS[name].description, name  # says where it is taught


@pytest.mark.parametrize("unit", ["NPU", "RealNPU", "iNALU"])
def test_the_later_units_train_in_the_playground_and_report_their_weights(unit):
    result = widgets.train_playground(Settings(operation="div", unit=unit, steps=200))
    assert result.prediction.shape == (len(result.sweep), 1) and np.all(np.isfinite(result.prediction))
    report = widgets.weights_report(result)
    assert report.startswith(f"{type(result.model.layers[0]).__name__} layer, its weight W:"), report


def test_register_unit_adds_a_unit_to_the_menu(monkeypatch):
    monkeypatch.setattr(widgets, "UNITS", dict(widgets.UNITS))
    widgets.register_unit("two NACs", lambda: stacked("nac", (2, 1)), "a NAC of NACs")
    assert "two NACs" in Playground().unit.options
    result = widgets.train_playground(Settings(operation="add", unit="two NACs", steps=50))
    assert result.prediction.shape == (len(result.sweep), 1)


# --------------------------------------------------------------------------- training, no widgets


def test_default_settings_learn_multiplication_far_beyond_the_training_range():
    result = widgets.train_playground()
    assert result.settings == Settings()
    assert result.history.loss.shape == (Settings().steps,)
    assert result.sweep.max() >= 100 * Settings().high * 0.9
    assert result.far_error <= 1e-6
    report = widgets.weights_report(result)
    assert "NALU layer" in report and "1.0000" in report and "mean gate" in report


def test_an_mlp_does_not_extrapolate_and_its_weights_are_only_counted():
    result = widgets.train_playground(Settings(operation="add", unit="MLP", steps=300))
    assert result.far_error > 1e-3
    assert "Dense layers" in widgets.weights_report(result)


@pytest.mark.parametrize(
    ("low", "high"),
    [(1.0, 10.0), (0.0, 5.0), (-10.0, 10.0), (-8.0, -2.0), (-7.5, 2.5)],
)
def test_extrapolation_line_reaches_far_beyond_the_training_range(low, high):
    sweep, x2 = widgets.extrapolation_line(low, high)
    width = high - low
    assert sweep.max() - sweep.min() == pytest.approx(widgets.EXTRAPOLATION_FACTOR * width)
    assert sweep.min() <= low and sweep.max() >= high
    assert low <= x2 <= high and abs(x2) >= 0.1 * width  # inside the range, away from 0
    assert np.all(np.diff(sweep) > 0)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"low": 5.0, "high": 5.0}, "range is empty"),
        ({"low": 10.0, "high": 1.0}, "range is empty"),
        ({"steps": 0}, "steps"),
        ({"steps": -3}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"steps": 10**7}, "at most"),
        ({"unit": "GPT"}, "unit must be one of"),
        ({"seed": -1}, "seed must be"),
    ],
)
def test_bad_settings_raise_readable_value_errors(changes, words):
    with pytest.raises(ValueError, match=words):
        widgets.train_playground(Settings(**changes))


# --------------------------------------------------------------------------- the widgets


def test_playground_widgets_start_at_the_default_settings():
    app = Playground()
    assert app.settings() == Settings()
    assert isinstance(app.widget, ipywidgets.VBox)
    assert list(app.unit.options) == list(widgets.UNITS)
    assert [value for _, value in app.operation.options] == list(widgets.OPERATIONS)
    assert app.train_button.description == "Train"
    assert "nalu-playground" in app.widget._dom_classes


def test_settings_follow_the_widgets():
    app = Playground()
    app.operation.value = "sub"
    app.unit.value = "NAC"
    app.low.value, app.high.value = -3.0, 7.0
    app.steps.value = 150
    app.learning_rate.value = 0.1
    app.seed.value = 7
    assert app.settings() == Settings("sub", "NAC", -3.0, 7.0, 150, 0.1, 7)
    assert "notebook 02" in app.unit_help.value  # the unit's one-line help follows the menu


def test_train_button_draws_the_loss_live_then_the_result_and_the_weights():
    app = Playground(redraw_seconds=0.0)
    app.train_button.click()  # what a press of the button runs
    result = app.last_result
    assert result is not None and result.far_error <= 1e-6
    assert app.live_draws >= 10, "the loss curve should be redrawn while training"
    assert app.live.outputs == (), "the live curve gives way to the result"
    image, weights = app.result.outputs
    assert image["output_type"] == "display_data"
    assert _png_bytes(image).startswith(b"\x89PNG")
    assert weights["output_type"] == "stream" and "NALU layer" in weights["text"] and "1.0000" in weights["text"]
    assert "Trained in" in app.message.value and f"{result.far_error:.1e}" in app.message.value
    assert not app.train_button.disabled


def test_live_redraws_are_throttled():
    app = Playground(redraw_seconds=3600.0)
    app.steps.value = 200
    app.train()
    assert app.live_draws == 1


@pytest.mark.parametrize(
    ("widget", "value", "words"),
    [
        ("high", 1.0, "range is empty"),
        ("low", 20.0, "range is empty"),
        ("steps", 0, "steps must be a positive integer"),
        ("learning_rate", 0.0, "learning_rate must be a positive"),
        ("learning_rate", -0.5, "learning_rate must be a positive"),
    ],
)
def test_bad_settings_show_a_message_in_the_widget_not_a_traceback(widget, value, words):
    app = Playground()
    getattr(app, widget).value = value
    assert app.train() is None
    assert "Cannot train with these settings." in app.message.value
    assert words in app.message.value
    assert "Traceback" not in app.message.value
    assert app.result.outputs == () and app.live.outputs == ()
    assert not app.train_button.disabled


def test_divergence_shows_a_message():
    app = Playground()
    app.unit.value, app.high.value, app.learning_rate.value = "MLP", 1000.0, 1e6
    assert app.train() is None
    assert "diverged" in app.message.value and "smaller learning_rate" in app.message.value


def test_an_unexpected_error_is_still_a_message(monkeypatch):
    def broken(settings, callback=None):
        raise RuntimeError("out of cheese")

    monkeypatch.setattr(widgets, "train_playground", broken)
    app = Playground()
    assert app.train() is None
    assert "Something went wrong" in app.message.value and "out of cheese" in app.message.value


def test_the_button_is_disabled_while_training(monkeypatch):
    seen = []
    real = widgets.train_playground

    def spy(settings, callback=None):
        seen.append(app.train_button.disabled)
        return real(settings, callback)

    monkeypatch.setattr(widgets, "train_playground", spy)
    app = Playground()
    app.steps.value = 100
    app.train()
    assert seen == [True] and not app.train_button.disabled


def test_a_new_run_replaces_the_old_result():
    app = Playground()
    app.steps.value = 100
    app.train()
    assert len(app.result.outputs) == 2
    app.steps.value = 0
    app.train()
    assert app.result.outputs == () and app.last_result is None


def test_where_widgets_cannot_render_a_note_stands_in():
    bundle = Playground()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "widgets appear here" in bundle["text/plain"]


# --------------------------------------------------------------------------- other settings, notebook 06


def test_playground_starts_on_the_settings_it_is_given():
    chosen = Settings(operation="add", unit="NAC", low=-5.0, high=5.0, steps=300, learning_rate=0.1, seed=3)
    assert Playground(chosen).settings() == chosen


def test_the_story_follows_the_run_whatever_the_settings():
    exact = widgets.train_playground()
    assert exact.extrapolates
    assert "within float32's rounding (at most 1e-06): the NALU computes x1 \u00d7 x2 itself" in exact.story()
    failing = widgets.train_playground(Settings(operation="add", unit="MLP", steps=300))
    story = failing.story()
    assert not failing.extrapolates
    assert "does not extrapolate x1 + x2" in story and "MLP fits [1, 10]" in story
    assert f"{failing.far_error:.1e}" in story


def _notebook_cell(grade_id: str) -> str:
    import pathlib

    import nbformat

    path = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_playground.ipynb"
    notebook = nbformat.read(path, as_version=4)
    return next(c.source for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize(
    ("answer", "right"),
    [
        (["NALU", "iNALU"], True),
        (("iNALU", "NALU"), True),
        (["NALU"], False),  # the iNALU divides too
        (["NALU", "iNALU", "NPU"], False),  # a single NPU does not, at the playground's settings
        (["NALU", "iNALU", "NMU"], False),
        ([], False),
        (["MLP", "NALU", "iNALU"], False),
    ],
)
def test_exercise_1_check_judges_the_answer_itself(answer, right):
    """No hidden test: the visible check rejects a wrong list of dividers on the spot."""
    check = _notebook_cell("06-ex1-check")
    assert "HIDDEN" not in check
    namespace = {"widgets": widgets, "dividers": answer}
    if right:
        exec(check, namespace)
    else:
        with pytest.raises(AssertionError):
            exec(check, namespace)


@pytest.mark.parametrize(("answer", "right"), [(600, True), (np.int64(600), True), (500, False), (700, False)])
def test_exercise_2_check_accepts_numpy_integers_and_rejects_wrong_counts(answer, right):
    check = _notebook_cell("06-ex2-check")
    namespace = {"widgets": widgets, "enough_steps": answer}
    if right:
        exec(check, namespace)
    else:
        with pytest.raises(AssertionError):
            exec(check, namespace)


def test_notebook_06_follows_other_settings(tmp_path):
    """The static cells of notebook 06, run with SETTINGS changed: no assert and no prose tied to
    the defaults, and what they print is about the chosen unit and operation."""
    import pathlib

    import nbformat
    from nbclient import NotebookClient

    path = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_playground.ipynb"
    notebook = nbformat.read(path, as_version=4)
    end = next(i for i, c in enumerate(notebook.cells) if c.source.startswith("## Things to try"))
    notebook.cells = notebook.cells[:end]
    settings_cell = next(c for c in notebook.cells if c.source.startswith("SETTINGS = widgets.Settings()"))
    chosen = 'widgets.Settings(operation="sub", unit="MLP", low=-5, high=5, steps=300)'
    settings_cell.source = settings_cell.source.replace("widgets.Settings()", chosen, 1)
    resources = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    printed = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "MLP learning x1 - x2 on [-5, 5]" in printed
    assert "does not extrapolate x1 - x2" in printed
    assert "NALU" not in printed.replace("nalu_lib", "")
