"""Interpolation and vector arithmetic on the tiny run: shapes and definitions, not quality."""

from tfarae.metrics.latent import (interpolate_samples, interpolate_sentences, latent_dim, sample_latents,
                                   vector_arithmetic)


def test_interpolation_and_arithmetic(tiny_run_dir):
    from tfarae.run_dir import load_trainer

    _, tokenizer, trainer = load_trainer(tiny_run_dir)
    assert sample_latents(trainer, 3).shape == (3, latent_dim(trainer))
    assert len(interpolate_samples(trainer, tokenizer, num_steps=4)) == 4
    path = interpolate_sentences(trainer, tokenizer, "the dog runs .", "many cats sleep .", num_steps=5)
    assert len(path) == 5 and all(isinstance(s, str) for s in path)
    always, never = (lambda s: True), (lambda s: False)
    first_half = lambda s: len(s) % 2 == 0  # noqa: E731
    results = vector_arithmetic(trainer, tokenizer, {"always": always, "never": never, "even": first_half},
                                num_samples=200, num_transformed=10, min_group=1)
    assert set(results) <= {"even"}  # attributes with an empty group are skipped
    for result in results.values():
        assert 0.0 <= result["match"] <= 1.0 and 0.0 <= result["precision"] <= 1.0
        assert result["num_transformed"] == 10
