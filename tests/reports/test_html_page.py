"""The shell of every page (reports/html_page.py): a JSON block cannot end its script."""
import json

from iqa_bench.reports.html_page import json_block


def test_json_block_cannot_end_its_script():
    block = json_block("x", {"name": "</script><script>alert(1)</script>"})
    assert block.count("</script>") == 1 and json.loads(block[block.index(">") + 1:-9].replace("<\\/", "</"))
