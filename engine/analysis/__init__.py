"""Questions about a trained network, gathered in one namespace for the views that ask them.

Each topic lives in its own module; import from here or from the module itself:

* evaluation:        evaluation_report, EvaluationReport, predict_probabilities
* receptive_fields:  large_chunks, output_patterns, linear_receptive_fields,
                     activation_input_gradient, maximize_activation(s)
* embedding:         layer_activations, all_layer_activations, pca_2d, principal_components
* robustness:        add_noise, rotate, thicken, thin, robustness_curves, confidence_coverage
* dataset_stats:     per_digit_means, digit_counts
* weight_stats:      weight_histograms
* report:            history_to_csv, html_report

Imported from their own modules only: compare (two runs side by side: compare_runs, match_neurons, ...;
it loads SciPy when it first matches neurons), compare_report (its HTML page) and png (weights as PNG).
"""
from __future__ import annotations

from .dataset_stats import digit_counts, per_digit_means
from .embedding import Projection, all_layer_activations, layer_activations, pca_2d, principal_components
from .evaluation import EvaluationReport, evaluation_report, output_distribution, predict_probabilities
from .receptive_fields import (
    MaximizationResult,
    activation_input_gradient,
    large_chunks,
    linear_receptive_fields,
    maximize_activation,
    maximize_activations,
    output_patterns,
)
from .report import history_csv_text, history_to_csv, html_report, html_report_text
from .robustness import (
    CoverageCurve,
    RobustnessCurve,
    add_noise,
    change_stroke,
    confidence_coverage,
    ink,
    robustness_curves,
    rotate,
    thicken,
    thin,
)
from .weight_stats import LayerHistogram, symmetric_range, weight_histograms

__all__ = [
    "CoverageCurve",
    "EvaluationReport",
    "LayerHistogram",
    "MaximizationResult",
    "Projection",
    "RobustnessCurve",
    "activation_input_gradient",
    "add_noise",
    "all_layer_activations",
    "change_stroke",
    "confidence_coverage",
    "digit_counts",
    "evaluation_report",
    "history_csv_text",
    "history_to_csv",
    "html_report",
    "html_report_text",
    "ink",
    "large_chunks",
    "layer_activations",
    "linear_receptive_fields",
    "maximize_activation",
    "maximize_activations",
    "output_distribution",
    "output_patterns",
    "pca_2d",
    "per_digit_means",
    "predict_probabilities",
    "principal_components",
    "robustness_curves",
    "rotate",
    "symmetric_range",
    "thicken",
    "thin",
    "weight_histograms",
]
