"""Builds and compiles the trainer a `Config` describes (the one place components are chosen by config)."""

import keras

from tfarae.data.images import IMAGE_SHAPE
from tfarae.data.sources import label_names
from tfarae.models import (CodeClassifier, ConditionalDecoder, ConvImageDecoder, ConvImageEncoder, Critic, Decoder,
                           Encoder, Generator, MLPImageDecoder, MLPImageEncoder)
from tfarae.models.priors import make_prior
from tfarae.trainers.aae import AAETrainer
from tfarae.trainers.arae import ARAETrainer
from tfarae.trainers.base import AutoencoderTrainer
from tfarae.trainers.dae import DenoisingTrainer
from tfarae.trainers.transfer import TransferTrainer
from tfarae.trainers.vae import VAETrainer
from tfarae.trainers.wae import WAETrainer

OPTIMIZERS = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}  # by `train.*_optimizer` name
# Regularized AEs, by `train.trainer` (wae_gan is the AAE trainer with the Gaussian prior).
FAMILY = {"dae": DenoisingTrainer, "vae": VAETrainer, "wae_mmd": WAETrainer, "aae": AAETrainer, "wae_gan": AAETrainer}


def aae_prior(config):
    """Returns the prior of an `aae` or `wae_gan` config (`train.aae_prior` over codes of size `model.hidden_dim`)."""
    train = config.train
    return make_prior(train.aae_prior, config.model.hidden_dim, train.prior_components, train.prior_radius,
                      train.prior_std, seed=train.seed)


def family_arguments(config, prior=None):
    """Returns the regularizer's constructor arguments (and extra components) of the `FAMILY` trainer of `config`.

    `prior` is the AAE's (default: a fresh `aae_prior(config)`).
    """
    model, train, dtype = config.model, config.train, config.runtime.precision
    if train.trainer in ("aae", "wae_gan"):
        discriminator = Critic(model.hidden_dim, model.critic_hidden, name="discriminator", dtype=dtype)
        prior = aae_prior(config) if prior is None else prior
        return dict(discriminator=discriminator, prior=prior, adversarial_lambda=train.adversarial_lambda)
    if train.trainer == "dae":
        return dict(word_dropout=train.dae_word_dropout, word_blank=train.dae_word_blank,
                    word_substitute=train.dae_word_substitute, shuffle_k=train.dae_shuffle_k)
    if train.trainer == "vae":
        return dict(kl_weight=train.kl_weight, kl_schedule=train.kl_schedule, kl_anneal_steps=train.kl_anneal_steps,
                    kl_cycle_steps=train.kl_cycle_steps, free_bits=train.free_bits,
                    word_dropout=train.decoder_word_dropout)
    return dict(mmd_lambda=train.mmd_lambda, mmd_scales=train.mmd_scales)


def encoder_head(family, prior=None):
    """Returns `(head, categories)` of the encoder a trainer needs.

    Args:
        family: the `FAMILY` class of `train.trainer`, or None (ae, arae, transfer: `unit_sphere`).
        prior: an AAE's prior, which chooses the head (`prior.encoder_head`) and, for `categorical`,
            its classes K; None for the other trainers (the class's `encoder_head`).
    """
    if prior is not None:
        return prior.encoder_head, (prior.components if prior.encoder_head == "categorical" else 0)
    return (family.encoder_head if family else "unit_sphere"), 0


def image_autoencoder(model, head, dtype, categories=0):
    """Returns `(encoder, decoder)` of images for a `ModelConfig`: `model.image_network`, code size `model.hidden_dim`.

    `head` and `categories` are the encoder's (`encoder_head`).
    """
    if model.image_network == "conv":
        return (ConvImageEncoder(model.hidden_dim, model.image_filters, model.image_dense_units, head=head,
                                 categories=categories, name="encoder", dtype=dtype),
                ConvImageDecoder(model.hidden_dim, model.image_filters, model.image_dense_units, IMAGE_SHAPE,
                                 name="decoder", dtype=dtype))
    return (MLPImageEncoder(model.hidden_dim, model.image_encoder_hidden, model.image_batchnorm, head=head,
                            categories=categories, name="encoder", dtype=dtype),
            MLPImageDecoder(model.hidden_dim, model.image_decoder_hidden, model.image_batchnorm, IMAGE_SHAPE,
                            name="decoder", dtype=dtype))


def _sentence_decoder(model, num_classes, vocab_size, dtype):
    """Returns the text decoder: class-conditional when `num_classes` > 0."""
    decoding = dict(init_scale=model.init_scale, output_dtype=model.output_dtype, name="decoder", dtype=dtype)
    if num_classes:
        return ConditionalDecoder(num_classes, vocab_size, model.embedding_dim, model.hidden_dim, model.hidden_dim,
                                  conditioning=model.conditioning, label_embedding_dim=model.label_embedding_dim,
                                  **decoding)
    return Decoder(vocab_size, model.embedding_dim, model.hidden_dim, model.hidden_dim, **decoding)


def make_trainer(config, vocab_size=None, sequence_length=None):
    """Returns the built (all variables created) but uncompiled trainer of `config.train.trainer`.

    Every sub-model gets the dtype policy `config.runtime.precision` (float32 variables; mixed
    policies compute in float16 or bfloat16 and return float32), passed to its constructor: the
    global Keras policy is neither read nor changed. The decoder's softmax layer keeps
    `config.model.output_dtype`.

    With `data.modality: image` the encoder and decoder are the image ones (`image_autoencoder`)
    and every other component is the same.

    Args:
        config: a validated `tfarae.config.Config`.
        vocab_size: V, including special tokens (text only).
        sequence_length: T, `maxlen + 1` (text only).
    """
    model, train, dtype = config.model, config.train, config.runtime.precision
    if dtype == "auto":
        raise ValueError("runtime.precision: auto must be resolved first (tfarae.run.run measures it)")
    keras.utils.set_random_seed(train.seed)
    family = FAMILY.get(train.trainer)
    prior = aae_prior(config) if train.trainer in ("aae", "wae_gan") else None
    head, categories = encoder_head(family, prior)
    num_classes = len(label_names(config.data)) if train.trainer == "transfer" else 0
    if config.data.modality == "image":
        encoder, decoder = image_autoencoder(model, head, dtype, categories)
        input_shape = (None, *IMAGE_SHAPE)
    else:
        encoder = Encoder(vocab_size, model.embedding_dim, model.hidden_dim, init_scale=model.init_scale, head=head,
                          categories=categories, name="encoder", dtype=dtype)
        decoder = _sentence_decoder(model, num_classes, vocab_size, dtype)
        input_shape = (None, sequence_length)
    common = dict(noise_std=train.noise_std, noise_anneal=train.noise_anneal,
                  noise_anneal_every=train.noise_anneal_every, ae_clipnorm=train.ae_clipnorm, seed=train.seed)
    if train.trainer == "ae":
        trainer = AutoencoderTrainer(encoder, decoder, **common)
    elif family:
        trainer = family(encoder, decoder, **family_arguments(config, prior), **common)
    else:
        generator = Generator(model.z_dim, model.generator_hidden, model.hidden_dim, tanh=model.generator_tanh,
                              name="generator", dtype=dtype)
        weight_clip = train.weight_clip if train.lipschitz == "weight_clip" else None
        critic = Critic(model.hidden_dim, model.critic_hidden, batchnorm=model.critic_batchnorm,
                        weight_clip=weight_clip, name="critic", dtype=dtype)
        gan = dict(critic_steps=train.critic_steps, lipschitz=train.lipschitz, gp_lambda=train.gp_lambda,
                   grad_lambda=train.grad_lambda, grad_lambda_warmup=train.grad_lambda_warmup,
                   gan_rounds=train.gan_rounds, gan_batch_size=train.gan_batch_size, **common)
        if num_classes:
            classifier = CodeClassifier(model.hidden_dim, model.classifier_hidden, num_classes, name="classifier",
                                        dtype=dtype)
            trainer = TransferTrainer(encoder, decoder, generator, critic, classifier, gan_lambda=train.gan_lambda,
                                      classifier_lambda=train.classifier_lambda, **gan)
        else:
            trainer = ARAETrainer(encoder, decoder, generator, critic, **gan)
    trainer.build(input_shape)
    return trainer


def ae_learning_rate(train, updates):
    """Returns the autoencoder optimizer's learning rate: a float, or a cosine decay to 0.

    Args:
        train: a `TrainConfig`.
        updates: optimizer updates the schedule spans (one per training iteration).
    """
    if train.ae_lr_schedule == "constant":
        return train.ae_learning_rate
    return keras.optimizers.schedules.CosineDecay(train.ae_learning_rate, decay_steps=max(updates, 1))


def compile_trainer(trainer, config, iterations=None):
    """Compiles `trainer` with the optimizers of `config.train` (one per phase) and returns it.

    Under `runtime.precision: mixed_float16` every optimizer is a `keras.optimizers.LossScaleOptimizer`
    (dynamic loss scale; a step with non-finite gradients is skipped and the scale halved), which
    the trainer's phases scale their losses for. bfloat16 has float32's range and needs none.

    Args:
        trainer: from `make_trainer`.
        config: its `Config`.
        iterations: total training iterations, which a decaying `train.ae_lr_schedule` spans
            (leave out when the trainer is only rebuilt to load weights).
    """
    train = config.train
    optimizers = {"ae_optimizer": OPTIMIZERS[train.ae_optimizer](ae_learning_rate(train, iterations or 1))}
    if isinstance(trainer, ARAETrainer):
        optimizers["critic_optimizer"] = keras.optimizers.Adam(train.critic_learning_rate, beta_1=train.adam_beta_1)
        optimizers["generator_optimizer"] = keras.optimizers.Adam(
            train.generator_learning_rate, beta_1=train.adam_beta_1)
        optimizers["adversary_optimizer"] = OPTIMIZERS[train.adversary_optimizer](train.adversary_learning_rate)
    if isinstance(trainer, AAETrainer):
        optimizers["discriminator_optimizer"] = keras.optimizers.Adam(train.critic_learning_rate,
                                                                      beta_1=train.adam_beta_1)
        optimizers["adversary_optimizer"] = OPTIMIZERS[train.adversary_optimizer](train.adversary_learning_rate)
    if isinstance(trainer, TransferTrainer):
        optimizers["classifier_optimizer"] = keras.optimizers.Adam(train.classifier_learning_rate,
                                                                   beta_1=train.adam_beta_1)
        optimizers["classifier_adversary_optimizer"] = OPTIMIZERS[train.adversary_optimizer](
            train.adversary_learning_rate)
    if config.runtime.precision == "mixed_float16":
        optimizers = {name: keras.optimizers.LossScaleOptimizer(optimizer, name=name)
                      for name, optimizer in optimizers.items()}
    jit_compile = "auto" if train.jit_compile is None else train.jit_compile
    trainer.compile(**optimizers, jit_compile=jit_compile, steps_per_execution=train.steps_per_execution)
    return trainer
