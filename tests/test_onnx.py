"""The ONNX query path: vectors that agree with torch, the same token ids, `parkqa ask` without
torch, and clear errors for a bad setting, a missing onnxruntime or a damaged export."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from parkqa.config import Settings
from parkqa.embedding import Embedder, ModelError, TorchEmbedder
from parkqa.onnx_encoder import OnnxEmbedder

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((ROOT / "tests" / "data" / "e5_reference.json").read_text("utf-8"))
CHINESE = ["长治高新区现在有多少家入区企业？", "经开区2025年规模以上工业增加值增长了多少",
           "潞安化工集团在高新区投资了什么项目？", "高薪区的企业有哪些"]
ENGLISH = ["How many companies are in the Changzhi high-tech zone?",
           "What is the registered capital of the new company?", "The weather in Paris is mild."]


@pytest.fixture(scope="module")
def torch_embedder():
    return TorchEmbedder()


def _cos(a, b):
    return (a * b).sum(axis=1)


@pytest.mark.slow
def test_onnx_query_vectors_agree_with_torch_in_chinese_and_english(embedder, torch_embedder):
    assert isinstance(embedder, OnnxEmbedder)            # the default backend
    for texts in (CHINESE, ENGLISH):
        cos = _cos(embedder.encode_queries(texts), torch_embedder.encode_queries(texts))
        # int8 weights: measured 0.992-1.0 on all eval questions (bench/results/onnx.md)
        assert cos.min() >= 0.985, cos
    # a wrong graph (no mask, wrong pooling, wrong prompt) would still be near 0.8-0.9 here:
    # check that the nearest passage is the same one as well
    passages = REFERENCE["sentences"]
    p = torch_embedder.encode_passages(passages)
    for q in CHINESE + ENGLISH:
        ours = int(np.argmax(p @ embedder.encode_queries([q])[0]))
        theirs = int(np.argmax(p @ torch_embedder.encode_queries([q])[0]))
        assert ours == theirs, q


@pytest.mark.slow
def test_onnx_passage_vectors_are_the_torch_ones(embedder, torch_embedder):
    texts = CHINESE + ENGLISH + REFERENCE["sentences"]
    cos = _cos(embedder.encode_passages(texts), torch_embedder.encode_passages(texts))
    assert cos.min() >= 0.9999, cos        # float32 graph: an index built with either serves both
    vecs = embedder.encode_passages(texts[:3])
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert embedder._passage_session is not None
    embedder.release_passage_model()       # a server keeps only the small query graph
    assert embedder._passage_session is None


def test_light_tokenizer_gives_the_published_token_ids(embedder):
    assert embedder.tokenizer.sp is not None     # SentencePiece, not the 280 MB trie
    ids = embedder.tokenizer(["passage: " + s for s in REFERENCE["sentences"]])
    assert ids == REFERENCE["passage_ids"]


def test_light_tokenizer_agrees_with_the_full_one_on_every_eval_question(embedder):
    from tokenizers import Tokenizer

    full = Tokenizer.from_file(str(embedder.path / "tokenizer.json"))
    full.enable_truncation(512)
    texts = ["query: " + json.loads(line)["question"]
             for line in (ROOT / "eval" / "qa.jsonl").read_text("utf-8").splitlines() if line]
    texts += ["passage: " + "长治高新区 2025 ~～ ＡＢＣ１２３\t\u200b  x" * 60,   # long: truncated
              "query: ", "query: <b>高新区</b>&nbsp;?"]
    ours = embedder.tokenizer(texts)
    assert ours == [e.ids for e in full.encode_batch(texts)]
    assert max(len(i) for i in ours) == 512


def test_ask_from_the_command_line_imports_neither_torch_nor_the_fitting_libraries(qa, settings):
    env = dict(os.environ, PARKQA_SEEDS=str(settings.seeds), PARKQA_INDEX=str(settings.index),
               PARKQA_BACKEND="onnx")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "parkqa.cli", "ask",
                           "--json", "长治高新区现在有多少家入区企业？"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout)
    assert answer["answered"] and "1.2万家" in answer["text"]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "onnxruntime" in imported
    assert not imported & {"torch", "sentence_transformers", "transformers"}
    # the answer model's trees run in onnxruntime: LightGBM and the scikit-learn and pandas
    # it imports stay out (bm25s imports scipy's sparse matrices itself)
    assert not imported & {"lightgbm", "sklearn", "pandas"}


def test_backend_setting_is_checked(monkeypatch):
    monkeypatch.delenv("PARKQA_BACKEND", raising=False)
    assert Settings().backend == "onnx"
    monkeypatch.setenv("PARKQA_BACKEND", " Torch ")
    assert Settings().backend == "torch"
    monkeypatch.setenv("PARKQA_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="PARKQA_BACKEND='tensorflow' 无效.*onnx 或 torch"):
        Settings()
    with pytest.raises(ModelError, match="unknown backend"):
        Embedder(backend="tensorflow")


def test_bad_backend_on_the_command_line_is_one_clear_line(tmp_path):
    env = dict(os.environ, PARKQA_BACKEND="tensorflow", PARKQA_INDEX=str(tmp_path / "none"))
    proc = subprocess.run([sys.executable, "-m", "parkqa.cli", "ask", "高新区"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "PARKQA_BACKEND='tensorflow' 无效" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_onnxruntime_is_a_clear_error(monkeypatch, embedder):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)     # import fails as if uninstalled
    with pytest.raises(ModelError, match=r"pip install 'onnxruntime.*PARKQA_BACKEND=torch"):
        OnnxEmbedder(export=embedder.path)


def test_damaged_export_is_a_clear_error(tmp_path, embedder):
    bad = tmp_path / "export"
    bad.mkdir()
    for name in ("parkqa_onnx.json", "tokenizer.json", "tokenizer.model", "pretokenizer.json"):
        shutil.copy(embedder.path / name, bad / name)
    (bad / "model_int8.onnx").write_bytes((embedder.path / "model_int8.onnx").read_bytes()[:5000])
    with pytest.raises(ModelError, match="cannot load .*model_int8.onnx.*export it again"):
        OnnxEmbedder(export=bad)
    (bad / "parkqa_onnx.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="damaged"):
        OnnxEmbedder(export=bad)


def test_weights_sit_beside_the_graphs_and_are_mapped_not_copied(embedder):
    """ONNX Runtime maps a graph's external .data file: opening the int8 query graph must not
    read its ~113 MiB of weights into private memory (a cold ask stays under 500 MB)."""
    for graph in ("model.onnx", "model_int8.onnx"):
        assert (embedder.path / graph).stat().st_size < 2_000_000
        assert (embedder.path / f"{graph}.data").stat().st_size > 100_000_000
    code = ("import sys, resource; from pathlib import Path; from parkqa.onnx_encoder import "
            "_session; before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            "_session(Path(sys.argv[1]) / 'model_int8.onnx', threads=1); "
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    grown = int(subprocess.run([sys.executable, "-c", code, str(embedder.path)], check=True,
                               capture_output=True, text=True).stdout)
    assert grown < 80, f"opening the query graph grew the peak by {grown} MiB"
