"""ARAE for unaligned attribute transfer (Zhao et al. 2018, §5): a label-free code, a label-conditioned decoder."""

import keras
import tensorflow as tf
from keras import ops

from tfarae.trainers.arae import ARAETrainer
from tfarae.trainers.base import apply_gradients, features, global_mean, replica_share_for_tracker


@keras.saving.register_keras_serializable(package="tfarae")
class TransferTrainer(ARAETrainer):
    """The ARAE trainer with a class-conditional decoder and a code classifier it learns to fool.

    One `train_step` is one iteration of the paper's transfer algorithm:
    1. `_autoencoder_step` once per class k, on a batch of class k, decoded by class k's decoder;
    2. `_classifier_step`: the code classifier `p(y | c)` learns the class from the detached codes;
    3. `_classifier_adversary_step`: the encoder learns to make the classifier predict the flipped
       label (K = 2, the paper) or, for K > 2, the uniform distribution (every wrong label at once
       would only move the code towards the other classes' mean), weighted by `classifier_lambda` (λ2);
    4. the ARAE GAN rounds: critic × k, encoder adversary (its scale times `gan_lambda`, λ1), generator.
    With `gan_lambda = 0` the encoder feels no code GAN: the paper's AE ablation.

    Transfer: encode a sentence, decode its code with the target class (`decoder.for_labels`).

    Args:
        encoder, generator, critic: as `ARAETrainer`.
        decoder: a `tfarae.models.ConditionalDecoder`.
        classifier: a `tfarae.models.CodeClassifier` over the K classes.
        gan_lambda: λ1.
        classifier_lambda: λ2.
        **kwargs: `ARAETrainer` arguments.

    `train_step` input: `class_token_ids [B, K, T]` (a batch of each class) and `fresh_token_ids`
    as `ARAETrainer`; `test_step` input: `token_ids [B, T]` and `label [B]`.
    """

    component_names = ARAETrainer.component_names + ("classifier",)

    def __init__(self, encoder, decoder, generator, critic, classifier, gan_lambda=1.0, classifier_lambda=1.0,
                 **kwargs):
        super().__init__(encoder, decoder, generator, critic, **kwargs)
        if classifier.num_classes != decoder.num_classes:
            raise ValueError(f"the classifier has {classifier.num_classes} classes, the decoder {decoder.num_classes}")
        self.classifier = classifier
        self.gan_lambda = gan_lambda
        self.classifier_lambda = classifier_lambda
        names = ("classifier_loss", "classifier_accuracy", "classifier_adversary_loss")
        self.classifier_trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def num_classes(self):
        return self.classifier.num_classes

    @property
    def metrics(self):
        return super().metrics + list(self.classifier_trackers.values())

    def build(self, input_shape):
        super().build(input_shape)
        self.classifier(ops.zeros((2, self.encoder.code_dim)))

    def compile(self, ae_optimizer, critic_optimizer, generator_optimizer, adversary_optimizer, classifier_optimizer,
                classifier_adversary_optimizer, **kwargs):
        """Sets one optimizer per phase; the classifier adversary updates only the encoder, with its own state."""
        super().compile(ae_optimizer, critic_optimizer, generator_optimizer, adversary_optimizer, **kwargs)
        self.classifier_optimizer = classifier_optimizer
        self.classifier_adversary_optimizer = classifier_adversary_optimizer
        classifier_optimizer.build(self.classifier.trainable_variables)
        classifier_adversary_optimizer.build(self.encoder.trainable_variables)

    def current_grad_lambda(self):
        return super().current_grad_lambda() * self.gan_lambda

    def _classifier_step(self, codes, labels):
        """One classifier update on detached codes `[B, C]` with int labels `[B]`."""
        variables = self.classifier.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.classifier(ops.stop_gradient(codes), training=True)
            loss = global_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
            scaled_loss = self.classifier_optimizer.scale_loss(loss)
        apply_gradients(self.classifier_optimizer, tape.gradient(scaled_loss, variables), variables)
        self.classifier_trackers["classifier_loss"].update_state(replica_share_for_tracker(loss))
        correct = ops.cast(ops.equal(ops.argmax(logits, axis=-1), ops.cast(labels, "int64")), "float32")
        self.classifier_trackers["classifier_accuracy"].update_state(correct)

    def adversary_target_loss(self, log_probs, labels):
        """Returns the per-example loss `[B]` of the classifier adversary: flipped label (K = 2), else uniform."""
        if self.num_classes == 2:
            return -ops.take_along_axis(log_probs, ops.expand_dims(1 - labels, 1), axis=1)[:, 0]
        return -ops.mean(log_probs, axis=1)

    def _classifier_adversary_step(self, token_ids, labels):
        """Moves the codes of `token_ids [B, T]` (labels `[B]`) to where the classifier cannot tell their class."""
        variables = self.encoder.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.classifier(self.encoder(token_ids, training=True), training=True)
            per_example = self.adversary_target_loss(ops.log_softmax(logits, axis=-1), labels)
            loss = self.classifier_lambda * global_mean(per_example)
            scaled_loss = self.classifier_adversary_optimizer.scale_loss(loss)
        apply_gradients(self.classifier_adversary_optimizer, tape.gradient(scaled_loss, variables), variables,
                        self.ae_clipnorm)
        self.classifier_trackers["classifier_adversary_loss"].update_state(replica_share_for_tracker(loss))

    def train_step(self, data):
        data = features(data)
        class_ids = data["class_token_ids"]
        by_class = [class_ids[:, k] for k in range(self.num_classes)]
        codes = [self._autoencoder_step(ids, self.decoder.for_labels(k)) for k, ids in enumerate(by_class)]
        labels = ops.repeat(ops.arange(self.num_classes, dtype="int32"), ops.shape(class_ids)[0])
        self._classifier_step(ops.concatenate(codes, 0), labels)
        self._classifier_adversary_step(ops.concatenate(by_class, 0), labels)
        self._gan_rounds(data["fresh_token_ids"])
        self.iteration.assign_add(1)
        return {m.name: m.result() for m in self.metrics}

    def evaluation_decoder(self, data):
        """Reconstructs each validation sentence with its own class's decoder."""
        return self.decoder.for_labels(data["label"])

    def test_step(self, data):
        logs = super().test_step(data)
        data = features(data)
        logits = self.classifier(self.encoder(data["token_ids"]))
        correct = ops.equal(ops.argmax(logits, axis=-1), ops.cast(data["label"], "int64"))
        self.classifier_trackers["classifier_accuracy"].update_state(ops.cast(correct, "float32"))
        return {**logs, "classifier_accuracy": self.classifier_trackers["classifier_accuracy"].result()}

    def get_config(self):
        return {**super().get_config(), "gan_lambda": self.gan_lambda, "classifier_lambda": self.classifier_lambda}
