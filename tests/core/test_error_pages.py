"""Error pages speak Vietnamese first, English on request, inside the site's layout."""

from django.test import Client
from django.test.utils import override_settings


def test_a_missing_page_says_so_in_vietnamese(db: object) -> None:
    response = Client().get("/khong-co-trang-nay/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'lang="vi"' in page and "Không tìm thấy trang" in page
    assert 'href="/"' in page


def test_a_missing_page_in_english_on_request(db: object) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/no-such-page/").content.decode()
    assert 'lang="en"' in page and "Page not found" in page


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_server_error_page_in_both_languages(db: object) -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert page.index("Lỗi hệ thống") < page.index("Server error")
