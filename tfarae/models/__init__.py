"""Model components: text encoder and decoder, generator, critic, the class-conditional decoder and code
classifier, the sentence-pair classifier, the AAE's priors, and the image encoders and Bernoulli decoders
(`image_encoder`, `image_decoder`)."""

from tfarae.models.conditional import CodeClassifier, ConditionalDecoder
from tfarae.models.decoder import Decoder
from tfarae.models.encoder import Encoder
from tfarae.models.image_decoder import ConvImageDecoder, MLPImageDecoder, bernoulli_nll
from tfarae.models.image_encoder import ConvImageEncoder, MLPImageEncoder
from tfarae.models.mlp import Critic, Generator
from tfarae.models.pair_classifier import PairClassifier
from tfarae.models.priors import CategoricalPrior, GaussianMixturePrior, GaussianPrior

__all__ = ["CategoricalPrior", "CodeClassifier", "ConditionalDecoder", "ConvImageDecoder", "ConvImageEncoder", "Critic", "Decoder", "Encoder",
           "GaussianMixturePrior", "GaussianPrior", "Generator", "MLPImageDecoder", "MLPImageEncoder", "PairClassifier",
           "bernoulli_nll"]
