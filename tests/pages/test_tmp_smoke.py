from tests.pages.conftest import logged_in
def test_x(app_db):
    at = logged_in("13800000103").run()
    print([t.value for t in at.title], at.exception)
    print([m.label for m in at.metric], [m.value for m in at.metric])
    print([b.label for b in at.button])
    print(at.get("plotly_chart")[:1])
    at2 = logged_in("13800000101").run()
    print([t.value for t in at2.title])
    at2.switch_page("pages/cockpit.py").run()
    print([t.value for t in at2.title], at2.exception)
