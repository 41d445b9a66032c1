import { createApp } from 'vue'
import {
  Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Collapse, CollapseItem, Dialog, Empty, Field, Form,
  List, Loading, NavBar, NoticeBar, Pagination, Popup, Progress, Radio, RadioGroup, Search, Stepper, Switch, Tab,
  Tabbar, TabbarItem, Tabs, Tag,
} from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'

const app = createApp(App)
for (const c of [Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Collapse, CollapseItem, Dialog, Empty, Field,
  Form, List, Loading, NavBar, NoticeBar, Pagination, Popup, Progress, Radio, RadioGroup, Search, Stepper, Switch, Tab,
  Tabbar, TabbarItem, Tabs, Tag]) app.use(c)
app.mount('#app')
