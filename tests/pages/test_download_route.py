"""The route that streams 批量下载 archives: the archive under its file name, once, then gone."""
import asyncio

from starlette.requests import Request

from services import brand_zip
from ui import downloads


def fetch(url: str) -> tuple[int, dict, bytes]:
    ticket = url.rsplit("/", 1)[1]
    scope = {"type": "http", "method": "GET", "path": url, "headers": [], "query_string": b"",
             "path_params": {"ticket": ticket}}
    sent, asked = [], []

    async def receive():  # the request, then a client that stays until the body is sent
        if asked:
            await asyncio.sleep(60)
            return {"type": "http.disconnect"}
        asked.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def run():
        response = await downloads._serve(Request(scope, receive))
        await response(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode("latin-1") for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


def test_an_archive_is_streamed_once_under_its_name_and_then_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path))
    archive = tmp_path / "tmp" / "brand-x.zip"
    archive.parent.mkdir()
    archive.write_bytes(b"PK" + b"x" * 300_000)
    part = brand_zip.Part(number=2, of=3, districts=("万州区",), entry_ids=(1,), files=1, size=1)
    url = downloads.url(brand_zip.ticket(brand_zip.ZipResult(archive, 1, 1, part)))

    status, headers, body = fetch(url)
    again, _, message = fetch(url)

    assert status == 200 and body == b"PK" + b"x" * 300_000
    assert headers["content-type"] == "application/zip"
    assert "filename*=utf-8''%E6%94%B9" in headers["content-disposition"]
    assert not archive.exists()
    assert again == 404 and "请回到“改革品牌清单 → 批量下载”重新生成" in message.decode()


def test_the_server_entry_point_serves_the_app_with_the_download_route():
    import ast

    from services.config import ROOT
    tree = ast.parse((ROOT / "serve.py").read_text(encoding="utf-8"))

    assert "st.App('Home.py', routes=ROUTES)" in ast.unparse(tree)
    assert [r.path for r in downloads.ROUTES] == ["/api/download/{ticket}"]
