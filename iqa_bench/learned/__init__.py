"""Learned loss networks: SinGAN-style multi-scale discriminators (MDF), and the SRGAN-style
discriminator of adversarial feature matching."""
