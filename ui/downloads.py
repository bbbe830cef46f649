"""The route serving built 批量下载 archives: streamed from disk in chunks (Streamlit's own
download button keeps the whole payload in memory), each once, then deleted."""
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route

from services import brand_zip

PATH = "/api/download/{ticket}"


async def _serve(request):
    found = brand_zip.claim(request.path_params["ticket"])
    if found is None:
        return PlainTextResponse("下载链接已使用或已失效，请回到“改革品牌清单 → 批量下载”重新生成。",
                                 status_code=404)
    path, filename = found
    return FileResponse(path, filename=filename, media_type="application/zip",
                        background=BackgroundTask(brand_zip.remove, path))


ROUTES = [Route(PATH, _serve)]


def url(ticket: str) -> str:
    return PATH.format(ticket=ticket)
