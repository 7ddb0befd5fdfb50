"""Compiled decision trees predict exactly what LightGBM predicts, keyed by the model's text."""

import numpy as np
import pytest

from winnow.extract import compiled
from winnow.extract.booster import Booster
from winnow.extract.classifier import MODEL_DIR, STAGE_FILES
from winnow.extract.compiled import CompiledBooster, build, load_booster


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WINNOW_CACHE_DIR", str(tmp_path / "trees"))
    return tmp_path / "trees"


def _rows(features: int, n: int = 3000, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = rng.exponential(2.0, (n, features)).astype(np.float32)
    rows[rng.random(rows.shape) < 0.3] = 0.0
    rows[rng.random(rows.shape) < 0.02] = np.nan
    return rows


@pytest.mark.parametrize("name", STAGE_FILES)
def test_shipped_models_predict_as_lightgbm(cache, name):
    text = (MODEL_DIR / name).read_text()
    library = build(text)
    assert library is not None and library.parent == cache
    ours, theirs = CompiledBooster(library), Booster(text)
    rows = _rows(compiled._trees(text)[0])
    expected = theirs.predict(rows)
    assert np.max(np.abs(ours.predict(rows) - expected)) <= 1e-12
    # column-major and a gathered subset (what ``classifier.matrix`` hands over) alike
    columns = np.asfortranarray(rows)
    assert np.max(np.abs(ours.predict(columns) - expected)) <= 1e-12
    picked = rows.T[:, ::3].T
    assert np.max(np.abs(ours.predict(picked) - expected[::3])) <= 1e-12
    assert len(ours.predict(rows[:0])) == 0


def _small_model(seed: int) -> str:
    lightgbm = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 5))
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) > 0).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 7, "seed": seed}
    model = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=12)
    return model.model_to_string()


def test_a_retrained_model_is_built_again_by_its_digest(cache):
    first, second = _small_model(1), _small_model(2)
    one, two = build(first), build(second)
    assert one is not None and two is not None and one != two
    assert build(first) == one  # cached: not rebuilt
    rows = _rows(5, seed=3)
    for text, library in ((first, one), (second, two)):
        expected = Booster(text).predict(rows)
        assert np.max(np.abs(CompiledBooster(library).predict(rows) - expected)) <= 1e-12


def test_without_a_compiler_lightgbm_predicts(cache, monkeypatch):
    text = _small_model(3)
    monkeypatch.setattr(compiled, "_compiler", lambda: None)
    assert isinstance(load_booster(text), Booster)
    monkeypatch.undo()
    monkeypatch.setenv("WINNOW_CACHE_DIR", str(cache))
    monkeypatch.setenv("WINNOW_COMPILED_TREES", "0")
    assert isinstance(load_booster(text), Booster)
    monkeypatch.setenv("WINNOW_COMPILED_TREES", "1")
    assert isinstance(load_booster(text), CompiledBooster)


def test_a_model_that_disagrees_is_never_used(cache, monkeypatch):
    text = _small_model(4)
    monkeypatch.setattr(compiled, "_agrees", lambda library, model_text: False)
    assert build(text) is None
    assert list(cache.glob("*.bad")) and not list(cache.glob("*.so"))
    assert isinstance(load_booster(text), Booster)


def test_unsupported_objective_falls_back(cache):
    text = _small_model(5).replace("objective=binary sigmoid:1", "objective=regression")
    assert build(text) is None
