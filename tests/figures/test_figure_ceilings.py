"""Figures that print a ceiling print the range the best possible model scores on their test split."""

from __future__ import annotations

import matplotlib.pyplot as plt

from neuronlab.figures.mlp import moons_mlp
from neuronlab.figures.neuron import neuron_boundaries


def test_boundary_figures_give_the_ceiling_with_its_range() -> None:
    for make in (neuron_boundaries, moons_mlp):
        fig, data = make(fast=True)
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        plt.close(fig)
        spreads = [data["ceiling_range"]] if "ceiling_range" in data else [d["ceiling_range"] for d in data.values()]
        for spread in spreads:
            assert spread["n"] == 80 and spread["low"] < spread["ceiling"] < spread["high"]
            assert any(f"best possible {spread['low']:.2f}–{spread['high']:.2f} on 80 test points" in t for t in titles)
