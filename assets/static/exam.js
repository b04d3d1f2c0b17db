// Learner's exam pages: starting an exam or a practice paper (with a
// confirmation for exams), 再练一遍 from the 错题本, and answering.
//
// Answering: every choice is saved at once (PUT …/answers/{no}); an item
// says 已保存 only once the server has acknowledged it. Saves of one item
// go out one at a time in order and the latest choice wins; a failed save
// is retried with backoff (and at once when the network returns). The
// countdown runs on the server's numbers: remaining_ms when the page was
// rendered, re-anchored on every acknowledgement (deadline − saved_at, both
// server times) and on a periodic re-read of the attempt; the phone's clock
// only measures the time elapsed since. At zero the page stops taking
// answers and reloads: the server grades the attempt at its deadline.
(function () {
  'use strict';

  function $(id) { return document.getElementById(id); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  var NETWORK = { status: 0, code: 'network', message: '网络连接失败，请检查网络后重试' };

  // call sends a JSON request with the CSRF token and a timeout, and
  // resolves with the body or rejects with {status, code, message, details}.
  function call(method, url, body, timeoutMs) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') { opts.headers['X-CSRF-Token'] = csrf(); }
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    var ctrl = window.AbortController ? new AbortController() : null, timer = 0;
    if (ctrl) {
      opts.signal = ctrl.signal;
      timer = setTimeout(function () { ctrl.abort(); }, timeoutMs || 15000);
    }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) { return { res: res, text: text }; });
    }).then(function (r) {
      clearTimeout(timer);
      var data = null;
      try { data = r.text ? JSON.parse(r.text) : null; } catch (e) { data = null; }
      if (r.res.ok) { return data; }
      var err = (data && data.error) || { code: 'http_' + r.res.status, message: '请求失败（' + r.res.status + '），请稍后重试' };
      err.status = r.res.status;
      throw err;
    }, function () {
      clearTimeout(timer);
      throw NETWORK;
    });
  }

  function showError(box, err) {
    if (!box) { window.alert(err.message); return; }
    box.textContent = err.message || '操作失败，请稍后重试';
    (err.details || []).forEach(function (d) {
      if (!d.message) { return; }
      var line = document.createElement('span');
      line.className = 'small';
      line.textContent = '· ' + d.message;
      box.appendChild(document.createElement('br'));
      box.appendChild(line);
    });
    box.hidden = false;
  }

  // ---------- dialogs ----------
  var lastFocus = null;
  function openModal(m) {
    lastFocus = document.activeElement;
    m.hidden = false;
    document.body.classList.add('modal-open');
    // Focus the way back: what the dialog confirms cannot be undone.
    var first = m.querySelector('[data-dialog-close]') || m.querySelector('button');
    if (first) { first.focus(); }
  }
  function closeModal(m) {
    m.hidden = true;
    document.body.classList.remove('modal-open');
    if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
  }
  document.addEventListener('keydown', function (ev) {
    var m = document.querySelector('.modal:not([hidden])');
    if (!m) { return; }
    if (ev.key === 'Escape') { closeModal(m); return; }
    if (ev.key === 'Tab') { // keep focus inside the dialog
      var f = m.querySelectorAll('button:not([disabled]), a[href]');
      if (!f.length) { return; }
      var first = f[0], last = f[f.length - 1];
      if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
    }
  });

  // ---------- starting ----------
  function errorBoxNear(el) {
    var scope = el.closest('.modal-box, .exam-card') || document;
    return scope.querySelector('[data-start-error]');
  }
  function begin(btn, url) {
    var box = errorBoxNear(btn);
    if (box) { box.hidden = true; }
    btn.disabled = true;
    call('POST', url).then(function (a) {
      leaving = true;
      location.href = '/attempts/' + a.id;
    }, function (err) { btn.disabled = false; showError(box, err); });
  }
  var leaving = false;

  document.addEventListener('click', function (ev) {
    var t = ev.target.closest('[data-start], [data-start-confirm], [data-retry], [data-dialog-close]');
    if (!t) { return; }
    if (t.hasAttribute('data-dialog-close')) { closeModal(t.closest('.modal')); return; }
    if (t.hasAttribute('data-retry')) { begin(t, '/api/v1/me/wrongbook/retry'); return; }
    if (t.hasAttribute('data-start-confirm')) { begin(t, '/api/v1/exams/' + t.getAttribute('data-start-confirm') + '/attempts'); return; }
    if (t.hasAttribute('data-confirm-start') && $('ex-start-dialog')) { openModal($('ex-start-dialog')); return; }
    begin(t, '/api/v1/exams/' + t.getAttribute('data-start') + '/attempts');
  });

  // ---------- the review: only the items not fully right ----------
  var onlyWrong = document.querySelector('[data-only-wrong]');
  if (onlyWrong) {
    onlyWrong.addEventListener('click', function () {
      var on = onlyWrong.getAttribute('aria-pressed') !== 'true';
      onlyWrong.setAttribute('aria-pressed', on ? 'true' : 'false');
      onlyWrong.textContent = on ? '显示全部题目' : '只看未得满分的题';
      $('ex-review').classList.toggle('only-wrong', on);
    });
  }

  // ---------- answering ----------
  var root = $('exam');
  if (!root) { return; }
  var attemptID = root.getAttribute('data-attempt');
  if (root.hasAttribute('data-closing')) {
    // Time is up and the server grades within its grace: look again soon.
    setTimeout(function () { location.reload(); }, 4000);
    return;
  }
  var form = $('ex-form');
  if (!form) { return; }

  var GRACE_MS = 10000; // the server takes answers this long after the deadline
  var WARN_MS = 5 * 60 * 1000;
  var practice = root.hasAttribute('data-practice');
  var base = '/api/v1/attempts/' + attemptID;
  var qs = Array.prototype.slice.call(form.querySelectorAll('fieldset.q'));
  var total = qs.length;
  var items = {};
  var over = false, submitting = false, warned = false, cur = 0;
  var live = $('ex-live');

  function say(text) { if (live) { live.textContent = text; } }
  function mono() { return window.performance && performance.now ? performance.now() : Date.now(); }
  function parseTime(s) { return Date.parse(String(s || '').replace(/(\.\d{3})\d+/, '$1')); }

  qs.forEach(function (fs) {
    var no = Number(fs.getAttribute('data-no'));
    var it = { no: no, el: fs, type: fs.getAttribute('data-type'), saved: [], want: null, inflight: false,
      failures: 0, timer: 0, error: '', fb: null, reveal: false, state: $('q' + no + '-state'),
      fbox: $('q' + no + '-fb'), check: fs.querySelector('[data-check]'),
      cell: root.querySelector('.cell[data-goto="' + no + '"]') };
    it.saved = chosen(it);
    items[no] = it;
    markChecked(it);
  });

  function chosen(it) {
    var out = [];
    each(it.el.querySelectorAll('input'), function (i) { if (i.checked) { out.push(i.value); } });
    return out;
  }
  function markChecked(it) {
    each(it.el.querySelectorAll('label.opt'), function (l) {
      var i = l.querySelector('input');
      l.classList.toggle('is-checked', !!(i && i.checked));
    });
  }
  function busy(it) { return it.inflight || it.want !== null || it.timer !== 0; }
  function setState(it, state, text) {
    if (!it.state) { return; }
    it.state.setAttribute('data-state', state);
    it.state.textContent = text;
  }
  function updateCell(it) {
    if (!it.cell) { return; }
    var done = it.saved.length > 0, pending = it.failures > 0 || it.error !== '';
    it.cell.classList.toggle('is-done', done && !pending);
    it.cell.classList.toggle('is-pending', pending);
    var s = it.cell.querySelector('[data-cell-state]');
    if (s) { s.textContent = pending ? '（未保存）' : done ? '（已作答）' : '（未作答）'; }
  }
  function doneCount() {
    var n = 0;
    qs.forEach(function (fs) { if (items[fs.getAttribute('data-no')].saved.length) { n++; } });
    return n;
  }
  function updateCount() {
    var n = doneCount();
    if ($('ex-count')) { $('ex-count').textContent = n; }
    if ($('ex-sheet-done')) { $('ex-sheet-done').textContent = n; }
    if ($('ex-sheet-left')) { $('ex-sheet-left').textContent = total - n; }
  }

  // ---------- the countdown ----------
  var clock = { remaining: Number(root.getAttribute('data-remaining-ms')) || 0, at: mono(),
    deadline: parseTime(root.getAttribute('data-deadline')) };
  function remaining() { return clock.remaining - (mono() - clock.at); }
  function syncRemaining(ms) { if (typeof ms === 'number' && ms >= 0) { clock.remaining = ms; clock.at = mono(); } }
  function syncServerNow(s) {
    var t = parseTime(s);
    if (!isNaN(t) && !isNaN(clock.deadline)) { syncRemaining(Math.max(0, clock.deadline - t)); }
  }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clockText(ms) {
    var sec = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return (h > 0 ? h + ':' + pad(m) : pad(m)) + ':' + pad(s);
  }
  var timerEl = $('ex-timer'), clockEl = $('ex-clock');
  function tick() {
    var ms = remaining();
    if (clockEl) { clockEl.textContent = clockText(ms); }
    if (!practice && !warned && ms <= WARN_MS && ms > 0) {
      warned = true;
      timerEl.classList.add('is-warn');
      var w = $('ex-warn');
      w.textContent = '距考试结束还有不到 5 分钟，请检查答题卡，尽快完成作答。时间到系统将自动交卷。';
      w.hidden = false;
    }
    if (ms <= 0) { timeUp(); }
  }
  var ticker = setInterval(tick, 500);

  function timeUp() {
    if (over) { return; }
    over = true;
    clearInterval(ticker);
    if (clockEl) { clockEl.textContent = '00:00'; }
    timerEl.classList.remove('is-warn');
    timerEl.classList.add('is-over');
    each(form.querySelectorAll('input'), function (i) { i.disabled = true; });
    each(document.querySelectorAll('.modal:not([hidden])'), function (m) { closeModal(m); });
    closeSheet();
    var w = $('ex-warn');
    w.textContent = '考试时间已到，已停止作答。系统正在按时收卷，页面将自动显示成绩……';
    w.hidden = false;
    flushNow();
    // Answers still in flight are taken within the grace; then the server grades.
    setTimeout(function () { leaving = true; location.reload(); }, GRACE_MS + 1500);
  }

  // Re-read the attempt: the remaining time, and whether it was graded
  // (submitted on another device, or time is up).
  function resync() {
    if (over || submitting) { return; }
    call('GET', base).then(function (a) {
      if (a.finished) { leaving = true; location.reload(); return; }
      syncRemaining(a.remaining_ms);
      tick();
    }, function () { /* the next save or resync will do */ });
  }
  setInterval(function () { if (document.visibilityState !== 'hidden') { resync(); } }, 120000);

  // ---------- saving ----------
  function retryable(err) { return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500; }

  function pump(it) {
    if (it.inflight || it.want === null || it.timer) { return; }
    var choice = it.want;
    it.want = null;
    it.inflight = true;
    call('PUT', base + '/answers/' + it.no, { choice: choice }).then(function (saved) {
      setTimeout(refreshPending, 0);
      it.inflight = false;
      it.failures = 0;
      it.error = '';
      if (saved && saved.saved_at) { syncServerNow(saved.saved_at); }
      it.saved = (saved && saved.choice) || choice;
      if (it.want !== null) { pump(it); return; } // a newer choice is waiting: it wins
      setState(it, it.saved.length ? 'saved' : 'empty', it.saved.length ? '✓ 已保存' : '未作答（已清除）');
      updateCell(it);
      updateCount();
      if (practice) { feedback(it, saved && saved.feedback); }
    }, function (err) {
      setTimeout(refreshPending, 0);
      it.inflight = false;
      if (it.want === null) { it.want = choice; }
      if (err.status === 409 && err.code === 'exam_attempt_finished') {
        // Graded meanwhile (submitted elsewhere, or time is up): show the result.
        it.want = null;
        setState(it, 'error', '未保存：' + err.message);
        leaving = true;
        setTimeout(function () { location.reload(); }, 1500);
        return;
      }
      if (err.status === 409 && err.code === 'exam_attempt_closed') {
        it.want = null;
        it.error = err.message;
        setState(it, 'error', '未保存：考试时间已到');
        updateCell(it);
        timeUp();
        return;
      }
      if (err.status === 401) {
        it.error = err.message;
        setState(it, 'error', '未保存：登录已失效');
        updateCell(it);
        var w = $('ex-warn');
        w.textContent = '登录已失效，答案暂时无法保存。请在新窗口重新登录后回到本页继续作答；已保存的答案和计时不受影响。';
        w.hidden = false;
        return;
      }
      if (!retryable(err)) {
        it.want = null;
        it.error = err.message;
        setState(it, 'error', '未保存：' + err.message);
        updateCell(it);
        say('第 ' + it.no + ' 题未保存：' + err.message);
        return;
      }
      it.failures++;
      if (it.failures === 1) { say('第 ' + it.no + ' 题未保存，正在重试'); }
      setState(it, 'retry', navigator.onLine === false ? '未保存，网络恢复后自动重试' : '未保存，正在重试…');
      updateCell(it);
      var delay = Math.min(30000, 1000 * Math.pow(2, it.failures - 1));
      it.timer = setTimeout(function () { it.timer = 0; pump(it); }, delay);
    });
  }

  // flushNow retries every waiting save at once (the network is back, or
  // the learner is handing in).
  function flushNow() {
    Object.keys(items).forEach(function (k) {
      var it = items[k];
      if (it.timer) { clearTimeout(it.timer); it.timer = 0; }
      pump(it);
    });
  }
  function pendingCount() {
    var n = 0;
    Object.keys(items).forEach(function (k) { if (busy(items[k]) || items[k].error) { n++; } });
    return n;
  }
  // settled resolves once no save is waiting, or after ms with false.
  function settled(ms) {
    var until = mono() + ms;
    return new Promise(function (resolve) {
      (function poll() {
        var waiting = Object.keys(items).some(function (k) { return busy(items[k]); });
        if (!waiting) { resolve(true); return; }
        if (mono() > until) { resolve(false); return; }
        setTimeout(poll, 150);
      })();
    });
  }

  form.addEventListener('change', function (ev) {
    var fs = ev.target.closest('fieldset.q');
    if (!fs || over) { return; }
    var it = items[fs.getAttribute('data-no')];
    markChecked(it);
    it.want = chosen(it);
    it.error = '';
    if (it.timer) { clearTimeout(it.timer); it.timer = 0; } // a new choice goes now
    it.failures = 0;
    setState(it, 'saving', '正在保存…');
    if (practice) {
      it.reveal = it.type !== 'multiple';
      showFeedback(it, null);
      if (it.check) { it.check.hidden = it.want.length === 0; }
    }
    pump(it);
  });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });

  // ---------- practice feedback ----------
  function answerText(fb) {
    var ans = fb.answer || [];
    if (fb.type === 'judge') {
      var letters = ['A', 'B', 'C', 'D', 'E', 'F'];
      return ans.map(function (l) { return (fb.options || [])[letters.indexOf(l)] || l; }).join('、');
    }
    return ans.join('');
  }
  function feedback(it, fb) {
    it.fb = fb || null;
    if (it.reveal) { showFeedback(it, it.fb); }
  }
  function showFeedback(it, fb) {
    var box = it.fbox;
    if (!box) { return; }
    box.textContent = '';
    if (!fb) { box.hidden = true; return; }
    box.className = 'q-feedback ' + (fb.correct ? 'fb-ok' : fb.partial ? 'fb-warn' : 'fb-bad');
    var head = document.createElement('strong');
    head.textContent = fb.correct ? '✓ 回答正确' : (fb.partial ? '◐ 部分正确' : '✗ 回答错误') + '。正确答案：' + answerText(fb);
    box.appendChild(head);
    if (fb.explanation) {
      var p = document.createElement('p');
      p.textContent = '解析：' + fb.explanation;
      box.appendChild(p);
    }
    box.hidden = false;
  }
  root.addEventListener('click', function (ev) {
    var b = ev.target.closest('[data-check]');
    if (!b) { return; }
    var it = items[b.getAttribute('data-check')];
    it.reveal = true;
    if (!it.fb && !busy(it) && it.saved.length) { refetch(it); }
    if (busy(it)) {
      setState(it, 'saving', '正在保存，保存后显示对错…');
      return;
    }
    showFeedback(it, it.fb);
  });
  // refetch saves an item's answer again (it is idempotent) for its
  // feedback, which a reloaded page does not have.
  function refetch(it) {
    if (over || busy(it) || !it.saved.length) { return; }
    it.want = it.saved.slice();
    pump(it);
  }

  // ---------- one question per screen, the 答题卡 ----------
  var nav = $('ex-nav'), prev = $('ex-prev'), next = $('ex-next'), sheet = $('ex-sheet'), sheetBtn = $('ex-sheet-open');
  var layout = root.querySelector('.exam-layout');
  var wide = window.matchMedia ? window.matchMedia('(min-width: 900px)') : { matches: false };
  form.classList.add('paged');
  root.classList.add('has-panel');
  if (layout) { layout.classList.add('has-panel'); }
  nav.hidden = false;

  function show(i, focus) {
    cur = Math.max(0, Math.min(total - 1, i));
    qs.forEach(function (fs, k) { fs.classList.toggle('current', k === cur); });
    Object.keys(items).forEach(function (k) { if (items[k].cell) { items[k].cell.classList.toggle('is-current', Number(k) === cur + 1); } });
    $('ex-pos').textContent = (cur + 1) + '/' + total;
    prev.disabled = cur === 0;
    next.textContent = cur === total - 1 ? (practice ? '结束练习' : '交卷') : '下一题 ›';
    if (history.replaceState) { history.replaceState(null, '', '#q' + (cur + 1)); }
    var it = items[cur + 1];
    if (practice && it && !it.fb && it.type !== 'multiple') { it.reveal = true; refetch(it); }
    if (focus) {
      root.scrollIntoView({ block: 'start' });
      qs[cur].setAttribute('tabindex', '-1');
      qs[cur].focus({ preventScroll: true });
    }
  }
  function openSheet() {
    if (wide.matches) { var c = sheet.querySelector('.cell.is-current') || sheet.querySelector('.cell'); if (c) { c.focus(); } return; }
    sheet.classList.add('open');
    document.body.classList.add('sheet-open');
    sheetBtn.setAttribute('aria-expanded', 'true');
    var cell = sheet.querySelector('.cell.is-current') || sheet.querySelector('.cell');
    if (cell) { cell.focus(); }
  }
  function closeSheet() {
    if (!sheet.classList.contains('open')) { return; }
    sheet.classList.remove('open');
    document.body.classList.remove('sheet-open');
    sheetBtn.setAttribute('aria-expanded', 'false');
  }
  prev.addEventListener('click', function () { show(cur - 1, true); });
  next.addEventListener('click', function () {
    if (cur === total - 1) { openSubmit(); return; }
    show(cur + 1, true);
  });
  sheetBtn.addEventListener('click', openSheet);
  sheet.addEventListener('click', function (ev) {
    if (ev.target === sheet || ev.target.closest('[data-sheet-close]')) { closeSheet(); sheetBtn.focus(); return; }
    var cell = ev.target.closest('[data-goto]');
    if (cell) {
      ev.preventDefault();
      closeSheet();
      show(Number(cell.getAttribute('data-goto')) - 1, true);
    }
  });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') { closeSheet(); } });

  var start = /^#q(\d+)$/.exec(location.hash);
  show(start ? Number(start[1]) - 1 : 0, false);

  // ---------- handing in ----------
  var dialog = $('ex-submit-dialog'), submitBtn = $('ex-submit'), submitErr = $('ex-submit-error');
  function openSubmit() {
    if (over) { return; }
    closeSheet();
    var missing = [];
    qs.forEach(function (fs) { if (chosen(items[fs.getAttribute('data-no')]).length === 0) { missing.push(fs.getAttribute('data-no')); } });
    var text = '共 ' + total + ' 题，已作答 ' + (total - missing.length) + ' 题';
    if (missing.length) {
      text += '，还有 ' + missing.length + ' 题未作答（第 ' + missing.slice(0, 12).join('、') + (missing.length > 12 ? ' 等' : '') + ' 题）。';
    } else {
      text += '，已全部作答。';
    }
    text += practice ? '结束后显示成绩和每题解析。' : '交卷后不能再修改答案。';
    $('ex-submit-text').textContent = text;
    submitErr.hidden = true;
    openModal(dialog);
    refreshPending();
  }
  // refreshPending says, while the hand-in dialog is open, how many
  // answers are still on their way.
  function refreshPending() {
    var el = $('ex-submit-pending');
    if (!el || !dialog || dialog.hidden) { return; }
    var n = pendingCount();
    el.hidden = n === 0;
    el.textContent = n ? '还有 ' + n + ' 题的答案正在保存……' : '';
  }
  each(root.querySelectorAll('[data-submit-open]'), function (b) { b.addEventListener('click', openSubmit); });
  submitBtn.addEventListener('click', function () {
    if (submitting || over) { return; }
    submitting = true;
    submitBtn.disabled = true;
    var label = submitBtn.textContent;
    submitBtn.textContent = '正在保存答案…';
    submitErr.hidden = true;
    flushNow();
    settled(20000).then(function (ok) {
      var stuck = pendingCount();
      if (!ok || stuck) {
        throw { message: '有 ' + stuck + ' 题的答案还没有保存成功，请检查网络后再交卷（计时不会暂停）。' };
      }
      submitBtn.textContent = practice ? '正在结束…' : '正在交卷…';
      return call('POST', base + '/submit', undefined, 30000);
    }).then(function () {
      leaving = true;
      location.replace('/attempts/' + attemptID);
    }, function (err) {
      submitting = false;
      submitBtn.disabled = false;
      submitBtn.textContent = label;
      if (err.status === 409 || err.status === 404) { leaving = true; location.replace('/attempts/' + attemptID); return; }
      showError(submitErr, err);
    });
  });

  // ---------- the page in the background, the network ----------
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') {
      if (over || leaving || submitting || practice) { return; }
      try {
        fetch(base + '/events', { method: 'POST', keepalive: true, credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() }, body: '{"kind":"blur"}' }).catch(function () {});
      } catch (e) { /* fire and forget */ }
      return;
    }
    resync();
  });
  var offline = $('ex-offline');
  window.addEventListener('offline', function () { offline.hidden = false; });
  window.addEventListener('online', function () {
    offline.hidden = true;
    flushNow();
    resync();
  });
  if (navigator.onLine === false) { offline.hidden = false; }
  window.addEventListener('beforeunload', function (ev) {
    if (!leaving && !over && pendingCount() > 0) { ev.preventDefault(); ev.returnValue = ''; }
  });

  updateCount();
  tick();
})();
