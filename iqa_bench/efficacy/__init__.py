"""Perceptual Efficacy of CNN channels (Tariq et al.): grating stimuli, tuning curves, μ1/μ2/PE,
channel subsets H-x / L-x and PE weights (see :mod:`.stimuli`, :mod:`.scores`, :mod:`.channels`)."""
from .channels import channel_weights, layer_efficacy, select_channels, subset_size
from .scores import ChannelEfficacy, analyse, mu1, mu2, perceptual_efficacy
from .stimuli import StimulusConfig, concentric_gratings, csf_peak_cpd, cycles_per_pixel, linear_gratings

__all__ = ["ChannelEfficacy", "StimulusConfig", "analyse", "channel_weights", "concentric_gratings",
           "csf_peak_cpd", "cycles_per_pixel", "layer_efficacy", "linear_gratings", "mu1", "mu2",
           "perceptual_efficacy", "select_channels", "subset_size"]
