// frontdesk sandbox: polls api/state and renders both panes. Plain
// JavaScript, no build step, nothing from other origins. All text is set
// with textContent: customers' and agents' words are never HTML.
(function () {
  'use strict';

  var POLL_MS = 700;
  var $ = function (id) { return document.getElementById(id); };

  var store = window.localStorage || { getItem: function () { return null; }, setItem: function () {} };
  function load(key, fallback) { try { return store.getItem('sandbox.' + key) || fallback; } catch (e) { return fallback; } }
  function save(key, value) { try { store.setItem('sandbox.' + key, value); } catch (e) { /* private mode */ } }

  function newConversation() {
    // 1–32 characters of [a-z0-9-], as the API wants.
    return 'c' + Math.random().toString(36).slice(2, 9).replace(/[^a-z0-9]/g, '');
  }

  var state = {
    epoch: null,
    seq: 0,
    msgs: new Map(), // n → message
    convs: [],
    agentsFirst: 0,
    conv: load('conv', '') || newConversation(),
    agentConv: '',
    replyTo: '', // a notice the agent picked; '' = the latest
    polling: false,
    // What the page offers to pick (api/catalog), asked again whenever
    // api/state says other rules run: a reload shows without a page reload.
    catalog: { version: '', rules: [], commands: [], snippets: [] },
    catalogLoading: false,
    suggestAt: 0, // the highlighted suggestion
  };
  save('conv', state.conv);

  // ---- API ----

  function api(path, body) {
    var opts = { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) {
      opts.method = 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        if (r.status === 401) {
          // The session is over: it expired, was revoked, or the service
          // came back with another token (one made for the run).
          throw new Error('signed out: open the address the service printed at start (…/sandbox/?token=…)');
        }
        if (!r.ok) throw new Error((data && data.error) || (r.status + ' ' + r.statusText));
        return data;
      });
    });
  }

  function setStatus(text, ok) {
    var el = $('status');
    el.textContent = text;
    el.className = 'status ' + (ok ? 'ok' : 'bad');
  }

  // "live" only while the rules run as loaded: a refused reload is shown,
  // as /readyz shows it (the previous rules keep answering).
  function liveStatus(rules) {
    if (rules && rules.ok === false) setStatus('live, but ' + (rules.error || 'the last rules reload failed') + ' — the previous rules still answer', false);
    else setStatus('live', true);
  }

  function poll() {
    if (state.polling) return Promise.resolve();
    state.polling = true;
    var changed = false;
    var rules = null;
    function step() {
      return api('api/state?since=' + state.seq).then(function (st) {
        rules = st.rules;
        if (state.epoch !== st.epoch) {
          var restarted = state.epoch !== null;
          state.epoch = st.epoch;
          state.msgs.clear();
          state.seq = 0;
          changed = true;
          if (restarted) return step(); // that answer was relative to the old state
        }
        if (apply(st)) changed = true;
        if (st.more) return step();
      });
    }
    return step().then(function () {
      liveStatus(rules);
      if (rules && rules.version && rules.version !== state.catalog.version) loadCatalog();
      if (changed) render();
    }, function (e) {
      setStatus('not connected: ' + e.message, false);
    }).then(function () { state.polling = false; });
  }

  function loadCatalog() {
    if (state.catalogLoading) return;
    state.catalogLoading = true;
    api('api/catalog').then(function (c) {
      state.catalog = c;
      renderCatalog();
    }, function () { /* asked again at the next poll */ }).then(function () { state.catalogLoading = false; });
  }

  function apply(st) {
    var changed = st.messages.length > 0 || st.seq !== state.seq ||
      JSON.stringify(st.conversations) !== JSON.stringify(state.convs) || st.agents_first !== state.agentsFirst;
    st.messages.forEach(function (m) { state.msgs.set(m.n, m); });
    state.convs = st.conversations;
    state.agentsFirst = st.agents_first;
    state.seq = st.seq;
    // Drop what the server no longer holds.
    var first = {};
    state.convs.forEach(function (c) { first[c.id] = c.first; });
    state.msgs.forEach(function (m, n) {
      if (m.pane === 'customer' ? !(m.conversation in first) || n < first[m.conversation] : n < state.agentsFirst) {
        state.msgs.delete(n);
      }
    });
    return changed;
  }

  // ---- rendering helpers ----

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function time(t) {
    var d = new Date(t);
    return isNaN(d) ? '' : d.toLocaleTimeString();
  }

  function sorted(filter) {
    var out = [];
    state.msgs.forEach(function (m) { if (filter(m)) out.push(m); });
    out.sort(function (a, b) { return a.n - b.n; });
    return out;
  }

  function convName(id) {
    for (var i = 0; i < state.convs.length; i++) {
      if (state.convs[i].id === id) return state.convs[i].name || id;
    }
    return id;
  }

  function keepScroll(box, fill) {
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    fill();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function buttonRows(m, onPress) {
    var wrap = el('div', 'buttons');
    (m.buttons || []).forEach(function (row) {
      var r = el('div', 'row');
      row.forEach(function (b) {
        var btn = el('button', '', b.text);
        btn.type = 'button';
        btn.setAttribute('data-data', b.data);
        btn.setAttribute('data-message', m.id || '');
        btn.addEventListener('click', function () { onPress(m, b, btn); });
        r.appendChild(btn);
      });
      wrap.appendChild(r);
    });
    return wrap;
  }

  function size(n) {
    if (!n) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  // Media as thumbnails (images the sandbox holds) and file chips (the rest).
  function mediaBlock(m) {
    var box = el('div', 'media');
    (m.media || []).forEach(function (md) {
      if (md.url && md.kind === 'photo') {
        var a = el('a', 'thumb');
        a.href = md.url;
        a.target = '_blank';
        a.rel = 'noopener';
        var img = el('img');
        img.src = md.url;
        img.alt = md.name || md.kind;
        img.loading = 'lazy';
        a.appendChild(img);
        box.appendChild(a);
        return;
      }
      var label = '📎 ' + [md.name || md.kind, md.mime, size(md.size)].filter(Boolean).join(' · ');
      var chip = md.url ? el('a', 'file-chip', label) : el('span', 'file-chip', label);
      if (md.url) { chip.href = md.url; chip.download = md.name || ''; }
      box.appendChild(chip);
    });
    return box;
  }

  function buttonLabel(press) { return press.label || press.text; }

  function tags(parts) {
    var span = el('span', 'why');
    parts.forEach(function (p) {
      if (!p[1]) return;
      span.appendChild(el('span', 'tag ' + p[0], p[1]));
    });
    return span;
  }

  // ---- customer pane ----

  function renderConversations() {
    var sel = $('customer-conv');
    var ids = state.convs.map(function (c) { return c.id; });
    if (ids.indexOf(state.conv) < 0) ids.push(state.conv);
    ids.sort();
    var want = ids.join('\n');
    if (sel.getAttribute('data-ids') !== want || sel.value !== state.conv) {
      sel.textContent = '';
      ids.forEach(function (id) {
        var name = convName(id);
        var o = el('option', '', name === id ? id + ' (new)' : name + ' — ' + id);
        o.value = id;
        sel.appendChild(o);
      });
      sel.value = state.conv;
      sel.setAttribute('data-ids', want);
    }
  }

  // The customer id of the conversation shown, as `frontdesk forget
  // --customer` takes it (the server says it once the conversation exists).
  function renderCustomerID() {
    var id = 'sandbox/sandbox/c-' + state.conv;
    state.convs.forEach(function (c) { if (c.id === state.conv && c.customer_id) id = c.customer_id; });
    $('customer-id').textContent = id;
  }

  function renderTranscript() {
    var box = $('transcript');
    keepScroll(box, function () {
      box.textContent = '';
      var msgs = sorted(function (m) { return m.pane === 'customer' && m.conversation === state.conv; });
      if (msgs.length === 0) {
        box.appendChild(el('p', 'empty', 'Say something to the bot: a question your rules answer, or /human to ask for a person.'));
        return;
      }
      msgs.forEach(function (m) {
        if (m.dir === 'in') renderIn(box, m);
        else if (m.dir === 'out') renderOut(box, m);
        else box.appendChild(el('div', 'msg answer', m.text));
      });
    });
  }

  function renderIn(box, m) {
    var div = el('div', 'msg in' + (m.status === 'failed' ? ' failed' : ''));
    div.setAttribute('data-n', m.n);
    div.appendChild(el('div', 'meta', (m.from || 'customer') + ' · ' + time(m.time)));
    div.appendChild(el('span', 'text', m.kind === 'callback' ? 'pressed “' + buttonLabel(m) + '”' : m.text));
    if (m.media) div.appendChild(mediaBlock(m));
    var d = m.decision;
    if (m.status === 'failed') {
      div.appendChild(el('span', 'why error', m.error || 'not stored'));
    } else if (!d) {
      div.appendChild(el('span', 'why pending', m.status === 'pending' ? 'sending…' : 'deciding…'));
    } else {
      var why = el('span', 'why');
      why.appendChild(el('b', '', d.outcome));
      why.appendChild(document.createTextNode(' — ' + d.why));
      if (d.matched && d.matched.length) why.appendChild(document.createTextNode(' · matched: ' + d.matched.join(', ')));
      if (d.language) why.appendChild(document.createTextNode(' · language: ' + d.language));
      if (d.read_as) why.appendChild(document.createTextNode(' · read as: ' + d.read_as));
      div.appendChild(why);
    }
    box.appendChild(div);
    if (d && d.suppressed) {
      d.suppressed.forEach(function (s) {
        var sup = el('div', 'msg suppressed');
        sup.appendChild(el('span', 'text', 'suppressed: ' + s.reason));
        sup.appendChild(tags([['rule', s.rule ? 'rule ' + s.rule : '']]));
        box.appendChild(sup);
      });
    }
  }

  function renderOut(box, m) {
    var div = el('div', 'msg out');
    div.setAttribute('data-n', m.n);
    div.appendChild(el('div', 'meta', 'bot · ' + time(m.time) + (m.edited ? ' · edited' : '')));
    div.appendChild(el('span', 'text', m.text));
    if (m.media) div.appendChild(mediaBlock(m));
    if (m.buttons && m.buttons.length) div.appendChild(buttonRows(m, pressCustomerButton));
    var why = m.rule ? 'rule ' + m.rule : (m.action === 'relay' ? 'from an agent' : '');
    div.appendChild(tags([['rule', why], ['action', m.action]]));
    box.appendChild(div);
  }

  function customerName() { return $('customer-name').value.trim(); }

  function sendCustomer(body, done) {
    var err = $('customer-error');
    body.conversation = state.conv;
    body.name = customerName();
    body.lang = $('customer-lang').value;
    return api('api/customer', body).then(function () {
      err.hidden = true;
      if (done) done();
      return poll();
    }, function (e) {
      err.textContent = e.message;
      err.hidden = false;
    });
  }

  function pressCustomerButton(m, b, btn) {
    btn.disabled = true;
    sendCustomer({ button: b.data, message_id: m.id }).then(function () { btn.disabled = false; });
  }

  // ---- agents pane ----

  function agentNotices() {
    return sorted(function (m) {
      return m.pane === 'agents' && m.dir === 'out' && (!state.agentConv || m.conversation === state.agentConv);
    });
  }

  function target() {
    var notices = agentNotices();
    if (state.replyTo) {
      for (var i = 0; i < notices.length; i++) if (notices[i].id === state.replyTo) return notices[i];
    }
    return notices.length ? notices[notices.length - 1] : null;
  }

  function renderAgentConversations() {
    var sel = $('agent-conv');
    var seen = {};
    var ids = [];
    state.msgs.forEach(function (m) {
      if (m.pane === 'agents' && m.conversation && !seen[m.conversation]) { seen[m.conversation] = true; ids.push(m.conversation); }
    });
    if (state.agentConv && !seen[state.agentConv]) ids.push(state.agentConv);
    ids.sort();
    var want = ids.map(function (id) { return id + '=' + convName(id); }).join('\n');
    if (sel.getAttribute('data-ids') === want) return;
    sel.textContent = '';
    var all = el('option', '', 'all');
    all.value = '';
    sel.appendChild(all);
    ids.forEach(function (id) {
      var o = el('option', '', convName(id) + ' — ' + id);
      o.value = id;
      sel.appendChild(o);
    });
    sel.value = state.agentConv;
    sel.setAttribute('data-ids', want);
  }

  function renderAgents() {
    var box = $('agents');
    var t = target();
    keepScroll(box, function () {
      box.textContent = '';
      var msgs = sorted(function (m) {
        return m.pane === 'agents' && (!state.agentConv || m.conversation === state.agentConv);
      });
      if (msgs.length === 0) {
        box.appendChild(el('p', 'empty', 'No handoffs yet. When a rule hands a conversation to a person, its notice shows up here with Claim, Resolve and Back to bot.'));
        return;
      }
      msgs.forEach(function (m) {
        if (m.dir === 'out') box.appendChild(renderNotice(m, t));
        else if (m.dir === 'in') box.appendChild(renderAgentMsg(m));
        else box.appendChild(el('div', 'answer', '↳ ' + m.text));
      });
    });
    var label = $('agent-reply-to');
    label.textContent = t ? firstLine(t.text) + (t.conversation ? ' (' + convName(t.conversation) + ')' : '') : 'no notice yet';
  }

  function firstLine(text) {
    var line = (text || '').split('\n')[0];
    return line.length > 80 ? line.slice(0, 79) + '…' : line;
  }

  function renderNotice(m, t) {
    var div = el('div', 'notice' + (t && t.n === m.n ? ' replying' : ''));
    div.setAttribute('data-n', m.n);
    div.setAttribute('data-id', m.id);
    var meta = el('div', 'meta');
    var bits = [time(m.time)];
    if (m.conversation) bits.unshift(convName(m.conversation) + ' (' + m.conversation + ')');
    if (m.handoff_id) bits.push('handoff #' + m.handoff_id);
    if (m.edited) bits.push('edited');
    meta.appendChild(document.createTextNode(bits.join(' · ') + ' '));
    var reply = el('button', 'link', 'reply to this');
    reply.type = 'button';
    reply.addEventListener('click', function () {
      state.replyTo = m.id;
      render();
      $('agent-text').focus();
    });
    meta.appendChild(reply);
    div.appendChild(meta);
    div.appendChild(el('span', 'text', m.text));
    if (m.media) div.appendChild(mediaBlock(m));
    if (m.buttons && m.buttons.length) div.appendChild(buttonRows(m, pressAgentButton));
    return div;
  }

  function renderAgentMsg(m) {
    var div = el('div', 'agent-msg' + (m.status === 'failed' ? ' failed' : ''));
    div.setAttribute('data-n', m.n);
    var bits = [m.from || 'agent', time(m.time)];
    if (m.kind === 'callback') bits.push('pressed “' + buttonLabel(m) + '”');
    else if (m.reply_to) bits.push('reply to a notice');
    else bits.push('not a reply: only recorded');
    if (m.status === 'failed') bits.push(m.error || 'not stored');
    div.appendChild(el('div', 'meta', bits.join(' · ')));
    div.appendChild(el('span', 'text', m.text));
    if (m.media) div.appendChild(mediaBlock(m));
    return div;
  }

  function agentName() { return $('agent-name').value.trim(); }

  function sendAgent(body, done) {
    var err = $('agent-error');
    body.name = agentName();
    return api('api/agent', body).then(function () {
      err.hidden = true;
      if (done) done();
      return poll();
    }, function (e) {
      err.textContent = e.message;
      err.hidden = false;
    });
  }

  function pressAgentButton(m, b, btn) {
    btn.disabled = true;
    sendAgent({ button: b.data, message_id: m.id }).then(function () { btn.disabled = false; });
  }

  // ---- the rule picker, the agent's commands and snippets ----

  function chip(text, title, onClick) {
    var b = el('button', 'chip', text);
    b.type = 'button';
    if (title) b.title = title;
    b.addEventListener('click', onClick);
    return b;
  }

  function renderCatalog() {
    var c = state.catalog;
    $('rules-count').textContent = '(' + c.rules.length + ')';
    var list = $('rules-list');
    list.textContent = '';
    c.rules.forEach(function (r) {
      var b = chip(r.id, r.try ? 'Try: ' + r.try : 'No example in the rules file’s tests: to try', function () {
        if (!r.try) return;
        var box = $('customer-text');
        box.value = r.try;
        if (r.lang && $('customer-lang').querySelector('option[value="' + r.lang + '"]')) $('customer-lang').value = r.lang;
        box.focus();
      });
      b.setAttribute('data-rule', r.id);
      if (!r.try) b.className += ' untried';
      b.appendChild(el('span', 'kind', r.actions.join(' ')));
      list.appendChild(b);
    });
    if (!c.rules.length) list.appendChild(el('span', 'none', 'no rules loaded'));

    var cmds = $('agent-commands');
    cmds.textContent = '';
    c.commands.forEach(function (cmd) {
      var b = chip('/' + cmd.name, cmd.description, function () { useCommand(cmd.name); });
      b.setAttribute('data-command', cmd.name);
      cmds.appendChild(b);
    });
    var snips = $('agent-snippets');
    snips.textContent = '';
    c.snippets.forEach(function (name) {
      var b = chip('#' + name, 'Insert #' + name + ': the customer gets the snippet in their language', function () { insertSnippet(name); });
      b.setAttribute('data-snippet', name);
      snips.appendChild(b);
    });
    if (!c.snippets.length) snips.appendChild(el('span', 'none', 'none in the rules file (snippets:)'));
    suggest();
  }

  // useCommand puts /name first in the agent's box, in place of a command
  // already there; what follows (a note's text) stays.
  function useCommand(name) {
    var box = $('agent-text');
    var rest = box.value.replace(/^\/\S*\s*/, '');
    box.value = '/' + name + ' ' + rest;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
    suggest();
  }

  // insertSnippet writes #name where the cursor is, as its own word.
  function insertSnippet(name) {
    var box = $('agent-text');
    var at = box.selectionStart === undefined ? box.value.length : box.selectionStart;
    var before = box.value.slice(0, at), after = box.value.slice(box.selectionEnd === undefined ? at : box.selectionEnd);
    var word = '#' + name;
    if (before && !/\s$/.test(before)) word = ' ' + word;
    if (!after || !/^\s/.test(after)) word += ' ';
    box.value = before + word + after;
    box.focus();
    var end = before.length + word.length;
    box.setSelectionRange(end, end);
    suggest();
  }

  // wordAtCursor is the word being typed: a command (/…, first word only)
  // or a snippet (#…), with where it starts; null for anything else.
  function wordAtCursor() {
    var box = $('agent-text');
    var at = box.selectionStart === undefined ? box.value.length : box.selectionStart;
    var before = box.value.slice(0, at);
    var m = /(^|\s)([\/#][^\s]*)$/.exec(before);
    if (!m) return null;
    var start = at - m[2].length;
    if (m[2][0] === '/' && before.slice(0, start).trim() !== '') return null;
    return { text: m[2], start: start, end: at };
  }

  function suggestions() {
    var w = wordAtCursor();
    if (!w) return [];
    var prefix = w.text.slice(1).toLowerCase();
    if (w.text[0] === '/') {
      return state.catalog.commands.filter(function (c) { return c.name.indexOf(prefix) === 0; }).map(function (c) {
        return { word: '/' + c.name, desc: c.description, w: w };
      });
    }
    return state.catalog.snippets.filter(function (n) { return n.toLowerCase().indexOf(prefix) === 0; }).map(function (n) {
      return { word: '#' + n, desc: 'snippet', w: w };
    });
  }

  function suggest() {
    var box = $('agent-suggest');
    // Only while the agent is typing: a reload re-renders the catalog.
    var list = document.activeElement === $('agent-text') ? suggestions() : [];
    box.textContent = '';
    if (!list.length || (list.length === 1 && list[0].word === list[0].w.text)) {
      box.hidden = true;
      return;
    }
    if (state.suggestAt >= list.length) state.suggestAt = 0;
    list.forEach(function (s, i) {
      var b = el('button', i === state.suggestAt ? 'active' : '', s.word);
      b.type = 'button';
      b.setAttribute('role', 'option');
      b.setAttribute('data-word', s.word);
      b.appendChild(el('span', 'desc', s.desc));
      b.addEventListener('mousedown', function (e) { e.preventDefault(); complete(s); });
      box.appendChild(b);
    });
    box.hidden = false;
  }

  function complete(s) {
    var box = $('agent-text');
    var after = box.value.slice(s.w.end);
    var word = s.word + (/^\s/.test(after) ? '' : ' ');
    box.value = box.value.slice(0, s.w.start) + word + after;
    var end = s.w.start + word.length;
    box.focus();
    box.setSelectionRange(end, end);
    state.suggestAt = 0;
    suggest();
  }

  function render() {
    renderConversations();
    renderCustomerID();
    renderTranscript();
    renderAgentConversations();
    renderAgents();
  }

  // ---- wiring ----

  function enterSends(textarea, form) {
    textarea.addEventListener('keydown', function (e) {
      // Not while an input method is composing (Chinese, Japanese…).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });
  }

  function init() {
    $('customer-name').value = load('name', $('customer-name').value);
    $('customer-lang').value = load('lang', 'auto');
    $('agent-name').value = load('agent', $('agent-name').value);
    $('customer-name').addEventListener('change', function () { save('name', customerName()); });
    $('customer-lang').addEventListener('change', function () { save('lang', $('customer-lang').value); });
    $('agent-name').addEventListener('change', function () { save('agent', agentName()); });

    $('customer-conv').addEventListener('change', function () {
      state.conv = $('customer-conv').value;
      save('conv', state.conv);
      var c = state.convs.filter(function (x) { return x.id === state.conv; })[0];
      if (c && c.name) $('customer-name').value = c.name;
      render();
    });
    $('customer-new').addEventListener('click', function () {
      state.conv = newConversation();
      save('conv', state.conv);
      render();
      $('customer-text').focus();
    });
    $('agent-conv').addEventListener('change', function () {
      state.agentConv = $('agent-conv').value;
      state.replyTo = '';
      render();
    });

    var cform = $('customer-form');
    cform.addEventListener('submit', function (e) {
      e.preventDefault();
      var box = $('customer-text');
      var text = box.value.replace(/^\s+|\s+$/g, '');
      if (!text) return;
      $('customer-send').disabled = true;
      sendCustomer({ text: text }, function () { box.value = ''; }).then(function () {
        $('customer-send').disabled = false;
        box.focus();
      });
    });
    // An attachment goes at once, with what is typed as its caption.
    function attach(inputID, textID, send) {
      $(inputID).addEventListener('change', function () {
        var input = $(inputID), file = input.files && input.files[0], box = $(textID);
        if (!file) return;
        var reader = new FileReader();
        reader.onload = function () {
          var data = String(reader.result).replace(/^data:[^,]*,/, '');
          var text = box.value.replace(/^\s+|\s+$/g, '');
          send({ text: text, file: { name: file.name, mime: file.type || 'application/octet-stream', data: data } },
            function () { box.value = ''; }).then(function () { input.value = ''; });
        };
        reader.readAsDataURL(file);
      });
    }
    attach('customer-file', 'customer-text', sendCustomer);
    attach('agent-file', 'agent-text', function (body, done) {
      var t = target();
      body.reply_to = t ? t.id : '';
      return sendAgent(body, done);
    });
    enterSends($('customer-text'), cform);
    // A preview is decided in memory: nothing is sent or stored.
    $('customer-preview').addEventListener('click', function () {
      var text = $('customer-text').value.replace(/^\s+|\s+$/g, '');
      var out = $('customer-preview-result'), err = $('customer-error');
      if (!text) return;
      api('api/preview', { conversation: state.conv, name: customerName(), lang: $('customer-lang').value, text: text }).then(function (r) {
        var d = r.decision, replies = (d.sends || []).map(function (s) { return s.text; }).filter(Boolean);
        out.textContent = 'Preview: ' + d.why + (replies.length ? ' · “' + replies.join('” “') + '”' : '');
        out.hidden = false;
        err.hidden = true;
      }, function (e) {
        err.textContent = e.message;
        err.hidden = false;
      });
    });

    var aform = $('agent-form');
    aform.addEventListener('submit', function (e) {
      e.preventDefault();
      var box = $('agent-text');
      var text = box.value.replace(/^\s+|\s+$/g, '');
      if (!text) return;
      var t = target();
      $('agent-send').disabled = true;
      sendAgent({ text: text, reply_to: t ? t.id : '' }, function () { box.value = ''; }).then(function () {
        $('agent-send').disabled = false;
        box.focus();
      });
    });
    var atext = $('agent-text');
    atext.addEventListener('keydown', function (e) {
      var list = $('agent-suggest').hidden ? [] : suggestions();
      if (!list.length) return;
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229)) {
        // Enter picks the suggestion; pressed again, it sends.
        e.preventDefault();
        e.stopImmediatePropagation();
        complete(list[state.suggestAt] || list[0]);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        state.suggestAt = (state.suggestAt + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length;
        suggest();
      } else if (e.key === 'Escape') {
        $('agent-suggest').hidden = true;
      }
    });
    atext.addEventListener('input', function () { state.suggestAt = 0; suggest(); });
    atext.addEventListener('click', suggest);
    atext.addEventListener('blur', function () { $('agent-suggest').hidden = true; });
    enterSends(atext, aform);

    render();
    renderCatalog();
    poll();
    setInterval(poll, POLL_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
