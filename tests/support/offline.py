"""Browser-test helpers for the offline app: the service worker in control, and what the app keeps in
IndexedDB (services/gateway/web/src/offline/db.js: the outbox and the drafts)."""

READ_STORE = """async (store) => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('cctrack'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error)
  })
  if (!db.objectStoreNames.contains(store)) return []
  return await new Promise((ok, fail) => {
    const r = db.transaction(store).objectStore(store).getAllKeys(); r.onsuccess = () => ok(r.result.map(String)); r.onerror = () => fail(r.error)
  })
}"""


def kept_keys(page, store):
    """The keys of one of the app's IndexedDB stores ("outbox" or "drafts")."""
    return page.evaluate(READ_STORE, store)


def controlled(page):
    """Wait until the app's service worker controls the page (the app shell is cached)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=60000)
