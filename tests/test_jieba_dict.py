"""jieba's dictionary from parkqa's fast cache is exactly what jieba itself loads."""
import jieba

from parkqa import jieba_dict
from parkqa.tokens import corpus_names


def test_cached_dictionary_is_jiebas_own_in_the_same_order(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKQA_CACHE", str(tmp_path))
    own = jieba.Tokenizer()
    own.initialize()
    first = jieba_dict.load()                      # builds the cache file
    assert jieba_dict.cache_file().parent == tmp_path and jieba_dict.cache_file().exists()
    second = jieba_dict.load()                     # reads it
    for freq, total in (first, second):
        assert total == own.total and freq == own.FREQ and list(freq) == list(own.FREQ)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total = second
    tok.initialized = True
    text = "长治高新区现在有多少家入区企业？中科潞安紫外光电科技有限公司投产了"
    assert tok.lcut_for_search(text) == own.lcut_for_search(text)


def test_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKQA_CACHE", str(tmp_path))
    path = jieba_dict.cache_file()
    path.write_bytes(b"not a dictionary")
    freq, total = jieba_dict.load()
    assert freq["高新区"] > 0 and total > 10**7
    assert jieba_dict.load()[0] == freq and path.stat().st_size > 1_000_000


def test_names_found_in_articles_leave_the_clause_before_them_out():
    text = ("这片涵盖科技工业园、漳泽工业园的热土。新材料板块推动中德集团等企业延伸。"
            "有效保障了锂电产业园的用地。山西成功汽车制造有限公司与山西长高智汇科技发展集团签约。")
    names = corpus_names([text])
    assert {"科技工业园", "中德集团", "锂电产业园"} <= set(names)
    # a verb inside a name stays in it
    assert {"山西成功汽车制造有限公司", "山西长高智汇科技发展集团"} <= set(names)
    assert not any(n.startswith(("这片", "新材料板块", "有效保障")) for n in names)
