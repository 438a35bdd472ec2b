import os

import pytest

from tfarae.config import ConfigError, config_from_dict, load_config

PRESETS = ["tiny", "arae_default", "arae_snli", "arae_snli_dev", "arae_yelp", "grammar_sentiment_transfer",
           "dae_default", "vae_default", "wae_default"]


@pytest.mark.parametrize("values, key", [
    ({"model": {"hiden_dim": 8}}, "model.hiden_dim"),
    ({"trian": {}}, "trian"),
    ({"data": {"maxlen": 0}}, "data.maxlen"),
    ({"data": {"maxlen": "long"}}, "data.maxlen"),
    ({"train": {"batch_size": 1.5}}, "train.batch_size"),
    ({"train": {"lipschitz": "spectral"}}, "train.lipschitz"),
    ({"model": {"critic_hidden": [8, -1]}}, "model.critic_hidden"),
    ({"model": {"output_dtype": "float16"}}, "model.output_dtype"),
    ({"train": {"ae_lr_schedule": "linear"}}, "train.ae_lr_schedule"),
    ({"train": {"batch_size": 64, "gan_batch_size": 128}}, "train.gan_batch_size"),
    ({"data": {"source": "files", "train_files": ["/no/such/file"], "valid_files": ["/no/such/file"]}},
     "data.train_files[0]"),
    ({"train": {"ae_learning_rate": float("inf")}}, "train.ae_learning_rate"),
    ({"train": {"ae_learning_rate": "inf"}}, "train.ae_learning_rate"),
    ({"train": {"noise_std": float("nan")}}, "train.noise_std"),
    ({"train": {"adversary_optimizer": "rmsprop"}}, "train.adversary_optimizer"),
    ({"runtime": {"strategy": "parameter_server"}}, "runtime.strategy"),
    ({"runtime": {"devices": ["/gpu:0"]}}, "runtime.devices"),
    ({"runtime": {"logical_cpus": -1}}, "runtime.logical_cpus"),
    ({"train": {"trainer": "transfer"}}, "train.trainer"),  # the corpus has no labels
    ({"data": {"grammar_attribute": "colour"}}, "data.grammar_attribute"),
    ({"data": {"source": "tfds_snli", "grammar_attribute": "topic"}}, "data.grammar_attribute"),
    ({"model": {"conditioning": "film"}}, "model.conditioning"),
    ({"train": {"classifier_lambda": -1}}, "train.classifier_lambda"),
    ({"train": {"trainer": "beta_vae"}}, "train.trainer"),
    ({"train": {"dae_word_dropout": 1.5}}, "train.dae_word_dropout"),
    ({"train": {"dae_word_blank": -0.1}}, "train.dae_word_blank"),
    ({"train": {"dae_word_substitute": 2}}, "train.dae_word_substitute"),
    ({"train": {"dae_shuffle_k": -1}}, "train.dae_shuffle_k"),
    ({"train": {"dae_shuffle_k": 1.5}}, "train.dae_shuffle_k"),
    ({"train": {"kl_schedule": "sigmoid"}}, "train.kl_schedule"),
    ({"train": {"kl_weight": -1}}, "train.kl_weight"),
    ({"train": {"kl_anneal_steps": 0}}, "train.kl_anneal_steps"),
    ({"train": {"kl_anneal_steps": 500, "kl_cycle_steps": 400}}, "train.kl_cycle_steps"),
    ({"train": {"free_bits": -0.5}}, "train.free_bits"),
    ({"train": {"decoder_word_dropout": 1.01}}, "train.decoder_word_dropout"),
    ({"train": {"mmd_lambda": -1}}, "train.mmd_lambda"),
    ({"train": {"mmd_scales": []}}, "train.mmd_scales"),
    ({"train": {"mmd_scales": [1.0, 0]}}, "train.mmd_scales"),
])
def test_config_errors_name_the_key(values, key):
    with pytest.raises(ConfigError) as error:
        config_from_dict(values)
    assert str(error.value).startswith(f"{key}:")
    assert "\n" not in str(error.value)


def test_overrides_parse_yaml_values():
    config = config_from_dict({}, ["train.epochs=3", "model.critic_hidden=[4, 4]", "train.jit_compile=false"])
    assert config.train.epochs == 3
    assert config.model.critic_hidden == [4, 4]
    assert config.train.jit_compile is False


def test_override_of_unknown_key_fails():
    with pytest.raises(ConfigError, match=r"^train\.epoch:"):
        config_from_dict({}, ["train.epoch=3"])


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_load(preset, monkeypatch):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.chdir(repo)  # file presets name ../shared/data relative to the repository root
    if preset in ("arae_snli", "arae_snli_dev", "arae_yelp") and not os.path.isdir("../shared/data"):
        pytest.skip("../shared/data is absent")
    assert load_config(preset).data.maxlen > 0


def test_unknown_preset_is_a_config_error():
    with pytest.raises(ConfigError, match="--config"):
        load_config("no_such_preset")


def test_a_missing_path_is_an_error_not_the_preset_of_the_same_name():
    with pytest.raises(ConfigError, match="^--config: no such file: /missing/dir/tiny.yaml$"):
        load_config("/missing/dir/tiny.yaml")


def test_a_bare_name_with_or_without_suffix_finds_the_preset():
    assert load_config("tiny.yaml") == load_config("tiny")


def test_critic_batchnorm_is_off_by_default_and_on_in_the_reference_presets(monkeypatch):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.chdir(repo)
    assert config_from_dict({}).model.critic_batchnorm is False
    if os.path.isdir("../shared/data"):
        assert load_config("arae_snli").model.critic_batchnorm is True


@pytest.mark.parametrize("preset, trainer",
                         [("dae_default", "dae"), ("vae_default", "vae"), ("wae_default", "wae_mmd")])
def test_family_presets_train_their_regularizer_at_arae_defaults_size(preset, trainer):
    config, reference = load_config(preset), load_config("arae_default")
    assert config.train.trainer == trainer
    assert config.data == reference.data and config.train.batch_size == reference.train.batch_size
    assert (config.model.embedding_dim, config.model.hidden_dim) == (reference.model.embedding_dim,
                                                                     reference.model.hidden_dim)
