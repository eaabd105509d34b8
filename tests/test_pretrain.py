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


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_pretrain_resume_is_bit_exact(tmp_path, dev_records, monkeypatch):
    """A run killed after its step-3 checkpoint and resumed ends at the same step, with the same weights
    and held-out curve as an uninterrupted run (Trainer skips the seen batches of the stream)."""
    import pytest
    import torch
    from transformers import AutoModel

    from arcrime import pretrain as pt

    corpus = _corpus(tmp_path, dev_records)
    full = pretrain(_cfg(tmp_path / "full", save_fp16=False), corpus)
    tok = str(tmp_path / "full" / "work" / "tokenizer")  # WordPiece training may break count ties differently
    calls = {"n": 0}
    collate = pt.MaskingCollator.__call__

    def dies_at_step_5(self, examples):
        if "labels" not in examples[0]:
            calls["n"] += 1
            if calls["n"] == 5:
                raise KeyboardInterrupt
        return collate(self, examples)

    monkeypatch.setattr(pt.MaskingCollator, "__call__", dies_at_step_5)
    with pytest.raises(KeyboardInterrupt):
        pretrain(_cfg(tmp_path, save_fp16=False, tokenizer=tok), corpus)
    monkeypatch.setattr(pt.MaskingCollator, "__call__", collate)
    assert (tmp_path / "work" / "checkpoints" / "checkpoint-3").is_dir() and not (tmp_path / "enc").exists()
    info = pretrain(_cfg(tmp_path, save_fp16=False, tokenizer=tok), corpus, resume=True)
    assert info["steps"] == 6 and [c["step"] for c in info["heldout_curve"]] == [3, 6]
    assert [c["heldout_loss"] for c in info["heldout_curve"]] == [c["heldout_loss"] for c in full["heldout_curve"]]
    assert info["tokens_seen"] == full["tokens_seen"]
    a, b = _weights(tmp_path / "full" / "enc"), _weights(tmp_path / "enc")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert AutoModel.from_pretrained(tmp_path / "enc").config.hidden_size == 32


def test_time_budget_stops_with_a_checkpoint(tmp_path, dev_records):
    info = pretrain(_cfg(tmp_path, max_minutes=1e-6), _corpus(tmp_path, dev_records))
    assert info["steps"] == 1 and info["stopped_early"]
    assert [c["step"] for c in info["heldout_curve"]] == [1]  # evaluated where it stopped
    assert (tmp_path / "work" / "checkpoints" / "checkpoint-1").is_dir()
    assert "budget" in (tmp_path / "enc" / "README.md").read_text(encoding="utf-8")


def test_existing_output_is_a_one_line_error(tmp_path, dev_records, capsys):
    import pytest

    from arcrime.cli import main
    from arcrime.fileio import OutputExistsError

    corpus = _corpus(tmp_path, dev_records)
    (tmp_path / "enc").mkdir()
    (tmp_path / "enc" / "model.safetensors").write_text("x")
    with pytest.raises(OutputExistsError, match="already exists; pass --overwrite to replace it or --resume"):
        pretrain(_cfg(tmp_path), corpus)
    assert not (tmp_path / "work").exists()  # refused before any work
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"output_dir: {tmp_path / 'enc'}\nwork_dir: {tmp_path / 'work'}\n", encoding="utf-8")
    assert main(["pretrain", "--config", str(cfg), "--corpus", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith(f"{tmp_path / 'enc'} already exists; pass --overwrite to replace "
                                                 "it or --resume to continue")


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


def test_init_from_continues_an_encoder_with_its_tokenizer_and_shape(tmp_path, dev_records):
    """Domain-adaptive pretraining: ``init_from`` starts masked-LM from a pretrained encoder folder (its
    weights, shape and tokenizer; the size fields of the config are ignored)."""
    import pytest
    import torch
    from transformers import AutoTokenizer

    from arcrime.config import ConfigError
    from arcrime.pretrain import load_pretrain_config

    corpus = _corpus(tmp_path, dev_records)
    g_info = pretrain(_cfg(tmp_path / "g", max_steps=3, eval_every=3, save_fp16=False), corpus)
    general = tmp_path / "g" / "enc"
    assert (general / "mlm_head.safetensors").is_file()
    # learning rate 0: the continued encoder must come out exactly as it went in
    info = pretrain(_cfg(tmp_path / "d", init_from=str(general), hidden_size=64, num_attention_heads=4, max_steps=1,
                         eval_every=1, learning_rate=0.0, save_fp16=False), corpus)
    assert info["config"]["hidden_size"] == 32 and info["tokenizer_seconds"] is None
    # with its masked-LM head kept, the held-out loss goes on from where the first run ended (same held-out
    # articles and masks); a fresh head would put it elsewhere
    assert abs(info["final_heldout_loss"] - g_info["final_heldout_loss"]) < 1e-4
    base, cont = _weights(general), _weights(tmp_path / "d" / "enc")
    assert base.keys() == cont.keys() and all(torch.equal(base[k], cont[k]) for k in base)
    tok_g, tok_d = AutoTokenizer.from_pretrained(general), AutoTokenizer.from_pretrained(tmp_path / "d" / "enc")
    assert tok_g.get_vocab() == tok_d.get_vocab()
    card = (tmp_path / "d" / "enc" / "README.md").read_text(encoding="utf-8")
    assert "continued from the pretrained encoder `enc`" in card and "does not compare" in card
    p = tmp_path / "c.yaml"
    p.write_text(f"init_from: {tmp_path / 'nowhere'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="init_from"):
        load_pretrain_config(p)
    p.write_text(f"init_from: {general}\ninit_embeddings: word2vec\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="exclude each other"):
        load_pretrain_config(p)


def test_train_only_head_fits_the_head_and_leaves_the_encoder_as_it_was(tmp_path, dev_records):
    """``train_only: head`` fits a masked-LM head to an encoder (frozen, with its tied embeddings): the encoder
    comes out bit for bit as it went in, the head moves, the loss falls from the fresh head's, and the head is
    saved for a later continuation."""
    import torch
    from safetensors.torch import load_file

    corpus = _corpus(tmp_path, dev_records)
    pretrain(_cfg(tmp_path / "g", max_steps=3, eval_every=3, save_fp16=False), corpus)
    general = tmp_path / "g" / "enc"
    (general / "mlm_head.safetensors").unlink()  # an encoder shipped without its head
    fresh = pretrain(_cfg(tmp_path / "f", init_from=str(general), max_steps=1, eval_every=1, learning_rate=0.0,
                          save_fp16=False), corpus)
    info = pretrain(_cfg(tmp_path / "h", init_from=str(general), train_only="head", max_steps=8, eval_every=8,
                         learning_rate=5e-3, warmup_steps=0, save_fp16=False), corpus)
    assert fresh["mlm_head_from"] is None and info["mlm_head_from"] is None
    base, out = _weights(general), _weights(tmp_path / "h" / "enc")
    assert base.keys() == out.keys() and all(torch.equal(base[k], out[k]) for k in base)
    head0 = load_file(str(tmp_path / "f" / "enc" / "mlm_head.safetensors"))
    head1 = load_file(str(tmp_path / "h" / "enc" / "mlm_head.safetensors"))
    assert head0.keys() == head1.keys() and any(not torch.equal(head0[k], head1[k]) for k in head0)
    assert info["final_heldout_loss"] < fresh["final_heldout_loss"]
    card = (tmp_path / "h" / "enc" / "README.md").read_text(encoding="utf-8")
    assert "only the masked-LM head was trained" in card
    # the next run continues that head
    cont = pretrain(_cfg(tmp_path / "c", init_from=str(tmp_path / "h" / "enc"), max_steps=1, eval_every=1,
                         learning_rate=0.0, save_fp16=False), corpus)
    assert cont["mlm_head_from"].endswith("mlm_head.safetensors")
    assert abs(cont["final_heldout_loss"] - info["final_heldout_loss"]) < 1e-4
    assert PretrainConfig(train_only="head").validate() == [
        "train_only: head needs init_from (the pretrained encoder whose head is fitted)"]
    assert PretrainConfig(train_only="body").validate() == ["train_only: 'body' is not one of all, head"]


def test_skip_articles_skips_them_on_the_first_pass_only(tmp_path):
    from arcrime.normalize import Normalizer
    from arcrime.pretrain import TrainingBlocks

    class Tok:  # one id per word, the word's number; [SEP] = 1
        sep_token_id, cls_token_id = 1, 2

        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [int(w) for w in text.split()]}

        def convert_ids_to_tokens(self, ids):
            return [str(i) for i in ids]

    f = tmp_path / "c.txt"
    # 2 held-out articles, then 6 training articles of 3 words each (4 ids with [SEP]): one block of 4+2 tokens
    # holds exactly one article
    f.write_text("\n".join(" ".join(str(100 * a + w) for w in range(3)) for a in range(8)) + "\n", encoding="utf-8")
    firsts = lambda n, **kw: [b["input_ids"][1] for b, _ in zip(  # noqa: E731
        TrainingBlocks([f], 2, Tok(), Normalizer([]), 6, 1, **kw), range(n))]
    assert firsts(7) == [200, 300, 400, 500, 600, 700, 200]  # plain: every pass starts after the held-out ones
    # continuing a run that read 3 training articles: the first pass starts at the 4th, the next pass at the 1st
    assert firsts(7, first_pass_skip=3) == [500, 600, 700, 200, 300, 400, 500]
    assert PretrainConfig(skip_articles=-1).validate() == ["skip_articles: -1 must be 0 or more"]


def test_model_card_tells_a_general_continuation_from_a_domain_one():
    from arcrime.pretrain import model_card

    def card(corpus):
        cfg = {**PretrainConfig(init_from="encoders/base", skip_articles=18833, vocab_size=16000).__dict__,
               "output_dir": "encoders/next"}
        return model_card({"config": cfg, "corpus": corpus, "steps": 10, "tokens_seen": 40960, "train_seconds": 60,
                           "tokens_per_second": 682.7, "final_heldout_loss": 5.92, "final_heldout_perplexity": 372.3,
                           "n_parameters": 7_000_000, "device": "cpu", "training_stack": "Trainer",
                           "environment": {"torch_threads": 2}})

    general = card(["../shared/unlabeled/SaudiNewsNet/articles.txt.xz"])
    assert "on the same general corpora" in general and "losses compare directly" in general
    assert "skipped the first 18,833 training articles" in general and "Domain-adaptive" not in general
    domain = card(["data/real/hydrated/domain.txt"])
    assert "Domain-adaptive run" in domain and "compare directly" not in domain
