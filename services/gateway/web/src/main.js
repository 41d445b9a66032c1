import { createApp, watch } from 'vue'
import {
  ActionSheet, Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Collapse, CollapseItem, Dialog, DropdownItem, DropdownMenu,
  Empty, Field, Form, Icon, List, Loading, NavBar, NoticeBar, Pagination, Popup, Progress, Radio, RadioGroup, Search, Skeleton,
  Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Uploader,
} from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { watchAccessibility } from './a11y.js'
import { keepToken, session } from './api/session.js'
import './offline/kinds.js'
import { refresh, startOutbox, sync } from './offline/outbox.js'
import { router } from './router.js'

// A bearer token handed over in the link (#token=...): kept for this tab, then out of the address bar.
const token = /token=([^&]+)/.exec(location.hash)
if (token) {
  keepToken(decodeURIComponent(token[1]))
  history.replaceState(null, '', location.pathname + location.search + '#/')
}

const app = createApp(App)
for (const c of [ActionSheet, Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Collapse, CollapseItem, Dialog, DropdownItem,
  DropdownMenu, Empty, Field, Form, Icon, List, Loading, NavBar, NoticeBar, Pagination, Popup, Progress, Radio, RadioGroup,
  Search, Skeleton, Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Uploader]) app.use(c)
app.use(router)
app.mount('#app')
watchAccessibility()

// the outbox: sent when the app starts and when the browser comes online; the signed-in person's own
startOutbox()
watch(() => session.user && (session.user.id || session.user.login), (who) => { refresh(); if (who && navigator.onLine) sync() })
