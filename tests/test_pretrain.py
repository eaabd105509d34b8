import json
import lzma

from arcrime.pretrain import PretrainConfig, mask_block, pretrain


def _corpus(tmp_path, dev_records):
    d = tmp_path / "corpus"
    d.mkdir()
    texts = [r["text"].replace("\n", " ") for r in dev_records]
    (d / "a.txt").write_text("\n".join(texts[:40]) + "\n", encoding="utf-8")
    with lzma.open(d / "b.txt.xz", "wt", encoding="utf-8") as f:
        f.write("\n".join(texts[40:80]) + "\n")
    return d


def _cfg(tmp_path, **kw):
    base = dict(output_dir=str(tmp_path / "enc"), work_dir=str(tmp_path / "work"), vocab_size=400,
                tokenizer_articles=60, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=64, seq_length=32, batch_size=4, max_steps=6,
                warmup_steps=1, heldout_articles=5, eval_every=3, checkpoint_every=3, seed=3, device="cpu")
    base.update(kw)
    return PretrainConfig(**base)


def test_pretrain_writes_loadable_encoder(tmp_path, dev_records):
    from transformers import AutoModel, AutoTokenizer

    info = pretrain(_cfg(tmp_path), _corpus(tmp_path, dev_records))
    assert info["steps"] == 6 and info["tokens_seen"] > 0 and len(info["heldout_curve"]) == 2
    enc = AutoModel.from_pretrained(tmp_path / "enc")
    tok = AutoTokenizer.from_pretrained(tmp_path / "enc")
    assert enc.config.hidden_size == 32 and len(tok) <= 400
    for f in ("model.safetensors", "README.md", "pretrain_log.json", "heldout_mlm.png"):
        assert (tmp_path / "enc" / f).is_file()
    assert "perplexity" in (tmp_path / "enc" / "README.md").read_text(encoding="utf-8")
    log = json.loads((tmp_path / "enc" / "pretrain_log.json").read_text())
    assert log["final_heldout_perplexity"] > 1


def test_pretrain_resume(tmp_path, dev_records):
    corpus = _corpus(tmp_path, dev_records)
    pretrain(_cfg(tmp_path, max_steps=3), corpus)
    info = pretrain(_cfg(tmp_path, max_steps=6), corpus, resume=True, overwrite=True)
    assert info["steps"] == 6 and [c["step"] for c in info["heldout_curve"]] == [3, 6]


def test_whole_word_masking():
    import random

    class Tok:
        mask_token_id = 4

    ids = [2, 10, 11, 12, 13, 14, 15, 3]
    starts = [False, True, False, True, True, False, False, False]  # words: [10,11] [12] [13,14,15]
    for seed in range(20):
        inp, labels = mask_block(ids, starts, Tok(), random.Random(seed), 0.34, 100, {0, 1, 2, 3, 4})
        masked = {i for i, lab in enumerate(labels) if lab != -100}
        assert masked in ({1, 2}, {3}, {4, 5, 6})  # exactly one whole word
        assert labels[0] == labels[7] == -100


def test_pretrain_corpus_too_small_is_a_clear_error(tmp_path):
    import pytest

    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text("\n  \nمقال واحد فقط\n", encoding="utf-8")
    with pytest.raises(ValueError, match="1 non-empty line.*heldout_articles=5"):
        pretrain(_cfg(tmp_path), d)
    assert not (tmp_path / "work" / "tokenizer").exists()  # failed before any work was written


def test_word2vec_init_and_unigram_reference(tmp_path, dev_records):
    """word2vec-initialised embeddings carry corpus geometry (frequent co-occurring pieces end up closer
    than random), at the encoder's init scale; the unigram loss on the held-out targets is recorded."""
    import numpy as np
    import torch
    from transformers import AutoModel

    corpus = _corpus(tmp_path, dev_records)
    info = pretrain(_cfg(tmp_path, init_embeddings="word2vec", w2v_epochs=2, max_steps=1, eval_every=1,
                         save_fp16=False), corpus)
    ref = info["reference"]
    assert ref["word2vec"]["tokens_with_vectors"] > 100
    assert 0 < ref["unigram_heldout_loss"] < np.log(400) + 1
    assert "word2vec" in (tmp_path / "enc" / "README.md").read_text(encoding="utf-8")
    w2v = AutoModel.from_pretrained(tmp_path / "enc").embeddings.word_embeddings.weight.detach()
    rand = pretrain(_cfg(tmp_path / "r", max_steps=1, eval_every=1, save_fp16=False), corpus)
    assert "word2vec" not in rand["reference"]
    base = AutoModel.from_pretrained(tmp_path / "r" / "enc").embeddings.word_embeddings.weight.detach()
    # same scale, different geometry: mean |cosine| between pieces is far above random init's
    def mean_abs_cos(w):
        w = torch.nn.functional.normalize(w[5:300], dim=1)
        return float((w @ w.T).abs().mean())
    assert abs(float(w2v.std()) - float(base.std())) < 0.01
    assert mean_abs_cos(w2v) > 1.5 * mean_abs_cos(base)


def test_unknown_init_is_rejected(tmp_path):
    import pytest

    from arcrime.config import ConfigError
    from arcrime.pretrain import load_pretrain_config

    p = tmp_path / "c.yaml"
    p.write_text("init_embeddings: glove\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="init_embeddings"):
        load_pretrain_config(p)
