"""The configuration schema: one dataclass per section, defaults from the ARAE reference (SNLI).

Every field carries a one-line comment. `validate()` methods check values that a type cannot
express; they raise `ConfigError` naming the offending key.
"""

import dataclasses
import os
from typing import Optional


class ConfigError(ValueError):
    """A configuration is invalid; the message names the key (e.g. `data.maxlen`)."""


def _require(condition, key, message):
    if not condition:
        raise ConfigError(f"{key}: {message}")


SOURCES = ("grammar", "files", "tfds_snli", "tfds_yelp")
MODALITIES = ("text", "image")
IMAGE_SOURCES = ("digits", "binarized_mnist", "mnist")  # tfarae.data.images
IMAGE_NETWORKS = ("mlp", "conv")
TEXT_ONLY_TRAINERS = ("transfer", "dae")  # their noise or conditioning is made for sentences


@dataclasses.dataclass
class DataConfig:
    modality: str = "text"  # text (sentences of data.source) | image (binarized digits of data.image_source)
    image_source: str = "digits"  # image: digits (embedded, no download) | binarized_mnist | mnist (thresholded)
    source: str = "grammar"  # grammar (embedded corpus) | files | tfds_snli | tfds_yelp (labelled sentences of reviews)
    train_files: list[str] = dataclasses.field(default_factory=list)  # one sentence per line
    valid_files: list[str] = dataclasses.field(default_factory=list)  # held-out sentences
    train_labels: list[int] = dataclasses.field(default_factory=list)  # optional label per train file
    valid_labels: list[int] = dataclasses.field(default_factory=list)  # optional label per valid file
    label_names: list[str] = dataclasses.field(default_factory=list)  # names of the labels 0, 1, ... (files)
    grammar_attribute: str = ""  # "" (unlabelled) | sentiment (negative/positive) | topic (animals/people/food)
    grammar_train_size: int = 20000  # sentences drawn from the embedded grammar for training
    grammar_valid_size: int = 1000  # sentences drawn (with another seed) for validation
    grammar_seed: int = 0  # seed of the embedded-corpus draw
    max_train_sentences: Optional[int] = None  # keep only the first N training sentences
    vocab_size: int = 11000  # most frequent words kept (special tokens come on top)
    maxlen: int = 15  # longer sentences are dropped from training data (counted in the log)
    lowercase: bool = True  # lowercase before splitting
    split_punctuation: bool = True  # put spaces around . , ! ? ; : " ( ) before splitting
    tokenizer: str = "core"  # core (plain TF string ops, exports anywhere) | tf_text
    shuffle_buffer: int = 50000  # tf.data shuffle buffer, in sentences

    def validate(self):
        _require(self.modality in MODALITIES, "data.modality",
                 f"must be one of {', '.join(MODALITIES)}, got {self.modality!r}")
        _require(self.image_source in IMAGE_SOURCES, "data.image_source",
                 f"must be one of {', '.join(IMAGE_SOURCES)}, got {self.image_source!r}")
        _require(self.modality == "text" or not self.grammar_attribute, "data.grammar_attribute",
                 "labels sentences: must be empty with data.modality: image")
        _require(self.source in SOURCES, "data.source", f"must be one of {', '.join(SOURCES)}, got {self.source!r}")
        _require(self.grammar_attribute in ("", "sentiment", "topic"), "data.grammar_attribute",
                 f"must be empty, sentiment or topic, got {self.grammar_attribute!r}")
        _require(not self.grammar_attribute or self.source == "grammar", "data.grammar_attribute",
                 "needs data.source: grammar")
        _require(self.maxlen > 0, "data.maxlen", f"must be positive, got {self.maxlen}")
        _require(self.vocab_size > 0, "data.vocab_size", f"must be positive, got {self.vocab_size}")
        _require(self.tokenizer in ("core", "tf_text"), "data.tokenizer",
                 f"must be core or tf_text, got {self.tokenizer!r}")
        _require(self.shuffle_buffer > 0, "data.shuffle_buffer", "must be positive")
        if self.source == "grammar":
            _require(self.grammar_train_size > 0, "data.grammar_train_size", "must be positive")
            _require(self.grammar_valid_size > 0, "data.grammar_valid_size", "must be positive")
        if self.source == "files":
            _require(self.train_files, "data.train_files", "must list at least one file")
            _require(self.valid_files, "data.valid_files", "must list at least one file")
            for key in ("train_files", "valid_files"):
                for i, path in enumerate(getattr(self, key)):
                    _require(os.path.isfile(path), f"data.{key}[{i}]", f"no such file: {path}")
            for key, files in (("train_labels", self.train_files), ("valid_labels", self.valid_files)):
                labels = getattr(self, key)
                _require(not labels or len(labels) == len(files), f"data.{key}",
                         f"needs one label per file ({len(files)}), got {len(labels)}")
                _require(all(label >= 0 for label in labels), f"data.{key}", "labels must be non-negative")
            known = max(self.train_labels + self.valid_labels, default=-1) + 1
            _require(not self.label_names or len(self.label_names) >= known, "data.label_names",
                     f"names {len(self.label_names)} labels but the files use {known}")
        _require(self.max_train_sentences is None or self.max_train_sentences > 0,
                 "data.max_train_sentences", "must be positive or null")


@dataclasses.dataclass
class ModelConfig:
    embedding_dim: int = 300  # word embedding size (encoder and decoder each have a table)
    hidden_dim: int = 300  # LSTM size, also the code size (the code is its last hidden state); images: the code size
    z_dim: int = 100  # generator noise size
    generator_hidden: list[int] = dataclasses.field(default_factory=lambda: [300, 300])  # MLP widths
    critic_hidden: list[int] = dataclasses.field(default_factory=lambda: [300, 300])  # MLP widths
    critic_batchnorm: bool = False  # BatchNorm in the critic's hidden layers after the first (the reference's; see README)
    generator_tanh: bool = False  # bound generated codes with tanh (thesis) or leave linear (2018 code)
    init_scale: float = 0.1  # embeddings/LSTM/output init uniform(-s, s)
    output_dtype: str = "float32"  # softmax-layer dtype policy: float32 | mixed_bfloat16 (faster on BF16 hardware)
    conditioning: str = "per_class"  # transfer decoder: per_class (one LSTM per class, shared softmax) | embedding
    label_embedding_dim: int = 16  # size of the learned label embedding of conditioning: embedding
    classifier_hidden: list[int] = dataclasses.field(default_factory=lambda: [128, 128])  # code classifier MLP
    image_network: str = "mlp"  # images: mlp (ARAE.md §3) | conv (stride-2 convolutions, mirrored in the decoder)
    image_encoder_hidden: list[int] = dataclasses.field(default_factory=lambda: [800, 400])  # images, mlp: encoder widths
    image_decoder_hidden: list[int] = dataclasses.field(default_factory=lambda: [400, 800, 1000])  # images, mlp: decoder widths
    image_batchnorm: bool = False  # images, mlp: BatchNorm before every ReLU of encoder and decoder (the reference's)
    image_filters: list[int] = dataclasses.field(default_factory=lambda: [32, 64])  # images, conv: channels per stride-2 layer
    image_dense_units: int = 256  # images, conv: width of the dense layer between convolutions and code

    def validate(self):
        for key in ("embedding_dim", "hidden_dim", "z_dim"):
            _require(getattr(self, key) > 0, f"model.{key}", "must be positive")
        _require(self.conditioning in ("per_class", "embedding"), "model.conditioning",
                 f"must be per_class or embedding, got {self.conditioning!r}")
        _require(self.label_embedding_dim > 0, "model.label_embedding_dim", "must be positive")
        _require(self.image_network in IMAGE_NETWORKS, "model.image_network",
                 f"must be one of {', '.join(IMAGE_NETWORKS)}, got {self.image_network!r}")
        _require(self.image_dense_units > 0, "model.image_dense_units", "must be positive")
        _require(self.image_filters and 28 % (2 ** len(self.image_filters)) == 0, "model.image_filters",
                 f"28-pixel images take 1 or 2 stride-2 layers, got {len(self.image_filters)}")
        for key in ("generator_hidden", "critic_hidden", "classifier_hidden", "image_encoder_hidden",
                    "image_decoder_hidden", "image_filters"):
            _require(all(w > 0 for w in getattr(self, key)), f"model.{key}", "widths must be positive")
        _require(self.init_scale > 0, "model.init_scale", "must be positive")
        _require(self.output_dtype in ("float32", "mixed_bfloat16"), "model.output_dtype",
                 f"must be float32 or mixed_bfloat16, got {self.output_dtype!r}")


TRAINERS = ("arae", "ae", "transfer", "dae", "vae", "wae_mmd", "aae", "wae_gan")
KL_SCHEDULES = ("constant", "linear", "logistic", "cyclical")  # of the VAE's KL weight (trainers/vae.py)
PRIORS = ("gaussian", "mixture", "categorical")  # of the AAE's codes (tfarae.models.priors)
MMD_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # the WAE code's multiples of the IMQ kernel constant


@dataclasses.dataclass
class TrainConfig:
    trainer: str = "arae"  # arae | ae (the same model, adversarial parts off) | transfer (needs labels) | dae | vae | wae_mmd | aae | wae_gan
    batch_size: int = 64  # global batch size (split across replicas under tf.distribute)
    epochs: int = 15  # passes over the training data (autoencoder batches)
    steps_per_epoch: Optional[int] = None  # cap on iterations per epoch (null: a full pass)
    critic_steps: int = 5  # critic updates per iteration, each on a fresh real batch
    gan_rounds: int = 1  # GAN rounds (critic steps, encoder adversary, generator) per autoencoder step
    gan_batch_size: Optional[int] = None  # global batch of the GAN phases, at most batch_size (null: batch_size)
    lipschitz: str = "gradient_penalty"  # gradient_penalty (2018 code) | weight_clip (paper)
    gp_lambda: float = 1.0  # weight of the gradient penalty
    weight_clip: float = 0.01  # critic weights are kept in [-clip, clip] when lipschitz=weight_clip
    grad_lambda: float = 0.1  # scale of the critic's gradient into the encoder
    grad_lambda_warmup: int = 0  # iterations over which that scale rises linearly from 0 (0: none)
    gan_lambda: float = 1.0  # transfer: λ1, weight of the code GAN on the encoder (0: the AE ablation)
    classifier_lambda: float = 1.0  # transfer: λ2, weight of the classifier adversary on the encoder
    classifier_learning_rate: float = 1e-4  # transfer: Adam (beta_1 adam_beta_1) of the code classifier
    noise_std: float = 0.05  # std of the Gaussian code noise in the autoencoder step
    noise_anneal: float = 0.9995  # noise std multiplied by this every noise_anneal_every iterations
    noise_anneal_every: int = 100  # iterations between noise annealing steps
    ae_optimizer: str = "sgd"  # sgd (reference) | adam, for encoder + decoder
    ae_learning_rate: float = 1.0  # learning rate of encoder + decoder
    ae_lr_schedule: str = "constant"  # constant | cosine (decays the AE learning rate to 0 over all epochs)
    ae_clipnorm: float = 1.0  # global gradient-norm clip of the autoencoder and encoder-adversary updates
    adversary_optimizer: str = "sgd"  # sgd | adam: the encoder adversary's own optimizer (own state)
    adversary_learning_rate: float = 1.0  # its learning rate; sgd 1.0 with grad_lambda 0.1 is the reference's
    generator_learning_rate: float = 1e-4  # Adam
    critic_learning_rate: float = 1e-4  # Adam
    adam_beta_1: float = 0.5  # beta_1 of both Adam optimizers
    seed: int = 0  # seeds weights, noise, shuffling
    jit_compile: Optional[bool] = None  # XLA on/off; null lets Keras decide (on only with a GPU)
    steps_per_execution: int = 1  # train steps run per tf.function call
    nan_policy: str = "stop"  # stop: raise with the last good checkpoint intact | rollback: reload it and go on
    num_samples_per_epoch: int = 20  # generated and reconstructed sentences written to samples/ each epoch
    num_eval_samples: int = 1000  # generated sentences scored in metrics.json
    dae_word_dropout: float = 0.1  # dae: probability of removing each input word (Lample et al. 2018)
    dae_word_blank: float = 0.0  # dae: probability of replacing each input word by <unk>
    dae_word_substitute: float = 0.0  # dae: probability of replacing each input word by a random vocabulary word
    dae_shuffle_k: int = 3  # dae: local shuffle, no input word moves more than k positions (0: none)
    kl_weight: float = 1.0  # vae: β, the KL weight the schedule rises to (1: the ELBO)
    kl_schedule: str = "constant"  # vae: constant | linear | logistic | cyclical (Fu et al. 2019)
    kl_anneal_steps: int = 1000  # vae: iterations of the KL weight's ramp (of each cycle's ramp for cyclical)
    kl_cycle_steps: int = 2000  # vae: iterations per cycle of the cyclical schedule (at least kl_anneal_steps)
    free_bits: float = 0.0  # vae: KL floor per code dimension in nats (Kingma et al. 2016; 0: none)
    decoder_word_dropout: float = 0.0  # vae: probability of replacing each decoder input word by <unk> (Bowman et al.)
    mmd_lambda: float = 10.0  # wae_mmd: weight of the MMD to the prior N(0, I), against the per-token cross-entropy
    mmd_scales: list[float] = dataclasses.field(default_factory=lambda: list(MMD_SCALES))  # wae_mmd: kernels 2·C·s
    aae_prior: str = "gaussian"  # aae: gaussian (N(0, I)) | mixture (prior_components Gaussians) | categorical ([one-hot y ; Gaussian z]); wae_gan: gaussian
    adversarial_lambda: float = 1.0  # aae, wae_gan: weight of the encoder's adversarial loss (discriminator: critic_*)
    prior_components: int = 10  # aae mixture prior: number of Gaussians K; categorical prior: classes K (< model.hidden_dim)
    prior_radius: float = 4.0  # aae mixture prior: norm of every component mean
    prior_std: float = 0.5  # aae mixture prior: each component's standard deviation

    def validate(self):
        _require(self.trainer in TRAINERS, "train.trainer", f"must be one of {', '.join(TRAINERS)}, got {self.trainer!r}")
        for key in ("batch_size", "epochs", "critic_steps", "gan_rounds", "noise_anneal_every", "steps_per_execution"):
            _require(getattr(self, key) > 0, f"train.{key}", f"must be positive, got {getattr(self, key)}")
        _require(self.steps_per_epoch is None or self.steps_per_epoch > 0, "train.steps_per_epoch",
                 "must be positive or null")
        _require(self.gan_batch_size is None or 0 < self.gan_batch_size <= self.batch_size, "train.gan_batch_size",
                 f"must be null or in [1, batch_size={self.batch_size}], got {self.gan_batch_size}")
        for key in ("ae_optimizer", "adversary_optimizer"):
            _require(getattr(self, key) in ("sgd", "adam"), f"train.{key}",
                     f"must be sgd or adam, got {getattr(self, key)!r}")
        _require(self.ae_lr_schedule in ("constant", "cosine"), "train.ae_lr_schedule",
                 f"must be constant or cosine, got {self.ae_lr_schedule!r}")
        _require(self.lipschitz in ("gradient_penalty", "weight_clip"), "train.lipschitz",
                 f"must be gradient_penalty or weight_clip, got {self.lipschitz!r}")
        for key in ("ae_learning_rate", "adversary_learning_rate", "generator_learning_rate",
                    "critic_learning_rate", "classifier_learning_rate", "weight_clip", "ae_clipnorm"):
            _require(getattr(self, key) > 0, f"train.{key}", "must be positive")
        for key in ("gp_lambda", "grad_lambda", "gan_lambda", "classifier_lambda", "grad_lambda_warmup", "noise_std", "num_samples_per_epoch",
                    "num_eval_samples"):
            _require(getattr(self, key) >= 0, f"train.{key}", "must be non-negative")
        _require(0 < self.noise_anneal <= 1, "train.noise_anneal", "must be in (0, 1]")
        _require(0 <= self.adam_beta_1 < 1, "train.adam_beta_1", "must be in [0, 1)")
        _require(self.nan_policy in ("stop", "rollback"), "train.nan_policy", "must be stop or rollback")
        for key in ("dae_word_dropout", "dae_word_blank", "dae_word_substitute", "decoder_word_dropout"):
            _require(0 <= getattr(self, key) <= 1, f"train.{key}", f"must be in [0, 1], got {getattr(self, key)}")
        for key in ("dae_shuffle_k", "kl_weight", "free_bits", "mmd_lambda"):
            _require(getattr(self, key) >= 0, f"train.{key}", f"must be non-negative, got {getattr(self, key)}")
        _require(self.kl_schedule in KL_SCHEDULES, "train.kl_schedule",
                 f"must be one of {', '.join(KL_SCHEDULES)}, got {self.kl_schedule!r}")
        _require(self.kl_anneal_steps > 0, "train.kl_anneal_steps", f"must be positive, got {self.kl_anneal_steps}")
        _require(self.kl_cycle_steps >= self.kl_anneal_steps, "train.kl_cycle_steps",
                 f"must be at least kl_anneal_steps={self.kl_anneal_steps}, got {self.kl_cycle_steps}")
        _require(self.mmd_scales and all(s > 0 for s in self.mmd_scales), "train.mmd_scales",
                 "must list at least one positive scale")
        _require(self.aae_prior in PRIORS, "train.aae_prior", f"must be one of {', '.join(PRIORS)}, got {self.aae_prior!r}")
        _require(self.trainer != "wae_gan" or self.aae_prior == "gaussian", "train.aae_prior",
                 f"wae_gan samples from N(0, I): must be gaussian, got {self.aae_prior!r}")
        _require(self.prior_components >= 2, "train.prior_components", f"must be at least 2, got {self.prior_components}")
        for key in ("prior_radius", "prior_std"):
            _require(getattr(self, key) > 0, f"train.{key}", f"must be positive, got {getattr(self, key)}")
        _require(self.adversarial_lambda >= 0, "train.adversarial_lambda",
                 f"must be non-negative, got {self.adversarial_lambda}")


STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16", "auto")


@dataclasses.dataclass
class RuntimeConfig:
    strategy: str = "default"  # default (one device) | mirrored (replicas on `devices`) | multi_worker (TF_CONFIG) | tpu
    devices: list[str] = dataclasses.field(default_factory=list)  # mirrored devices; empty: all GPUs, else CPUs
    logical_cpus: int = 0  # split the CPU into N logical devices before TF starts (replicas without a GPU)
    tpu: str = ""  # TPU name or grpc:// address for strategy tpu (empty: the local or Colab/Cloud default)
    precision: str = "float32"  # dtype policy of every sub-model: float32 | mixed_float16 | mixed_bfloat16 | auto (measured)

    def validate(self):
        _require(self.strategy in STRATEGIES, "runtime.strategy",
                 f"must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        _require(self.logical_cpus >= 0, "runtime.logical_cpus", f"must be non-negative, got {self.logical_cpus}")
        _require(not self.devices or self.strategy == "mirrored", "runtime.devices", "needs runtime.strategy: mirrored")
        _require(not self.tpu or self.strategy == "tpu", "runtime.tpu", "needs runtime.strategy: tpu")
        _require(self.precision in PRECISIONS, "runtime.precision",
                 f"must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")


@dataclasses.dataclass
class Config:
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    runtime: RuntimeConfig = dataclasses.field(default_factory=RuntimeConfig)

    def validate(self):
        """Checks every section; returns self so calls chain."""
        self.data.validate()
        self.model.validate()
        self.train.validate()
        self.runtime.validate()
        _require(self.runtime.strategy != "multi_worker" or self.train.steps_per_execution == 1,
                 "train.steps_per_execution", "must be 1 under runtime.strategy: multi_worker (one step per call)")
        _require(self.runtime.strategy != "multi_worker" or self.runtime.precision != "auto", "runtime.precision",
                 "auto is measured on each machine; under multi_worker choose one policy for every worker")
        _require(self.runtime.strategy != "tpu" or self.train.jit_compile is not False, "train.jit_compile",
                 "cannot be false under runtime.strategy: tpu (TPUs run XLA only)")
        _require(self.train.aae_prior != "categorical" or self.train.prior_components < self.model.hidden_dim,
                 "train.prior_components", f"the categorical prior's K classes need model.hidden_dim > K for z, got "
                 f"K={self.train.prior_components} and hidden_dim={self.model.hidden_dim}")
        if self.data.modality == "image":
            self._validate_image()
        labelled = self.data.grammar_attribute or self.data.source == "tfds_yelp" or (
            self.data.train_labels and self.data.valid_labels)
        _require(self.train.trainer != "transfer" or labelled, "train.trainer",
                 "transfer needs labelled data: data.grammar_attribute, data.source: tfds_yelp, or "
                 "data.train_labels and data.valid_labels")
        return self

    def _validate_image(self):
        """Rejects what does not exist for `data.modality: image` (each error names its key)."""
        image_trainers = ", ".join(t for t in TRAINERS if t not in TEXT_ONLY_TRAINERS)
        _require(self.train.trainer not in TEXT_ONLY_TRAINERS, "train.trainer",
                 f"{self.train.trainer} is text-only; data.modality: image takes {image_trainers}")
        _require(not self.train.decoder_word_dropout, "train.decoder_word_dropout",
                 "word dropout is text-only: must be 0 with data.modality: image")
        _require(self.runtime.precision != "auto", "runtime.precision",
                 "auto measures the text LSTM: choose float32, mixed_float16 or mixed_bfloat16 for images")
