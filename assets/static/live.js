// 直播课: the scheduling form and the room. The room speaks the signaling
// protocol of live/signal over one WebSocket: the trainer publishes camera,
// microphone and, at will, a screen share; a viewer answers the server's
// offer and receives. Chat, questions, raised hands and presence checks go
// over the same socket. A dropped socket or a failed connection (a phone
// changing network) reconnects by itself.
(function () {
  'use strict';

  // ---- the scheduling form ----
  var form = document.getElementById('live-form');
  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      window.anpei.clearErrors(form);
      var at = form.scheduled_at.value;
      var body = {
        title: form.title.value.trim(),
        description: form.description.value.trim(),
        scheduled_at: at ? new Date(at + ':00+08:00').toISOString() : '0001-01-01T00:00:00Z',
        minutes: Number(form.minutes.value || 0),
        capacity: Number(form.capacity.value || 0),
        course_id: Number(form.course_id.value || 0),
        rule: form.rule.value,
        audience: { categories: [], enterprises: [], industries: [] }
      };
      form.querySelectorAll('input[name="audience.categories"]:checked').forEach(function (c) { body.audience.categories.push(c.value); });
      var ents = form.elements['audience.enterprises'].value.split(/[,，\s]+/).filter(Boolean);
      for (var i = 0; i < ents.length; i++) {
        if (!/^\d+$/.test(ents[i])) {
          window.anpei.showError(form, { message: '企业编号应为数字，用逗号分隔', details: [{ field: 'audience.enterprises', message: '“' + ents[i] + '”不是企业编号' }] });
          return;
        }
        body.audience.enterprises.push(Number(ents[i]));
      }
      form.querySelector('button[type="submit"]').disabled = true;
      window.anpei.api('POST', '/api/v1/live/sessions', body).then(function (v) {
        location.href = '/live/' + v.id;
      }, function (err) {
        form.querySelector('button[type="submit"]').disabled = false;
        window.anpei.showError(form, err);
      });
    });
  }

  // ---- the room ----
  var room = document.getElementById('live-room');
  if (!room) { return; }
  var role = room.dataset.role;
  var sid = room.dataset.session;
  var iceServers = [];
  try { iceServers = JSON.parse(room.dataset.ice || '[]'); } catch (e) { iceServers = []; }
  var $ = function (id) { return document.getElementById(id); };
  var note = $('lv-note'), connText = $('lv-conn');
  var mainVideo = $('lv-main'), sideVideo = $('lv-side');
  var ws = null, pc = null, seq = 0, over = false, retry = 0;
  var pendingIce = []; // the server's candidates that came before its SDP was applied
  var local = null, screen = null, screenSender = null, publishing = false;
  var streams = {};

  var device = '';
  try {
    device = localStorage.getItem('anpei-device') || '';
    if (!device) { device = Math.random().toString(36).slice(2) + Date.now().toString(36); localStorage.setItem('anpei-device', device); }
  } catch (e) { device = 'nostorage'; }

  function say(text) { if (note) { note.textContent = text; note.hidden = !text; } }
  function send(type, data) {
    if (!ws || ws.readyState !== 1) { return false; }
    var m = { v: 1, type: type, id: ++seq };
    if (data !== undefined) { m.data = data; }
    ws.send(JSON.stringify(m));
    return true;
  }

  function connect() {
    if (over) { return; }
    connText.textContent = '连接中…';
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/live/' + sid + '/ws');
    var opened = false;
    ws.onopen = function () { opened = true; retry = 0; send('join', { device: device }); };
    ws.onmessage = function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      handle(m);
    };
    ws.onclose = function () {
      connText.textContent = over ? '已断开' : '连接中断，正在重连…';
      dropPeer();
      if (over) { return; }
      var wait = Math.min(1000 * Math.pow(2, retry++), 10000);
      if (!opened && retry >= 3) {
        // Refused more than once: ask why before trying again.
        window.anpei.api('GET', '/api/v1/live/sessions/' + sid).then(function (v) {
          if (v.status === 'ended' || v.status === 'cancelled') {
            over = true; setStatus(v.status);
            say(v.status === 'ended' ? '直播已结束。' : '本次直播课已取消。');
            connText.textContent = '已断开';
            return;
          }
          setTimeout(connect, wait);
        }, function (err) {
          if (err.status === 401 || err.status === 403 || err.status === 404) { over = true; say(err.message); connText.textContent = '已断开'; return; }
          setTimeout(connect, wait);
        });
        return;
      }
      setTimeout(connect, wait);
    };
  }

  function dropPeer() {
    if (pc) { try { pc.close(); } catch (e) { /* closed */ } }
    pc = null; screenSender = null; pendingIce = [];
  }

  function flushIce() {
    var list = pendingIce;
    pendingIce = [];
    list.forEach(function (c) { if (pc) { pc.addIceCandidate(c).catch(function () { /* stale */ }); } });
  }

  function newPeer() {
    var p = new RTCPeerConnection({ iceServers: iceServers });
    p.onicecandidate = function (ev) { if (ev.candidate) { send('ice', ev.candidate.toJSON()); } };
    p.onconnectionstatechange = function () {
      if (p !== pc) { return; }
      if (p.connectionState === 'connected') { connText.textContent = '已连接'; }
      if (p.connectionState === 'failed') { connText.textContent = '网络变化，正在重连…'; if (ws) { ws.close(); } }
    };
    return p;
  }

  function handle(m) {
    var d = m.data || {};
    switch (m.type) {
      case 'welcome':
        connText.textContent = '已加入';
        setStatus(d.status);
        setMuted(d.chat_muted);
        $('lv-chat').textContent = '';
        if (role === 'trainer' && publishing) { publish(); }
        break;
      case 'offer': viewerAnswer(d.sdp); break;
      case 'answer': if (pc) { pc.setRemoteDescription({ type: 'answer', sdp: d.sdp }).then(flushIce, function (e) { say('连接失败：' + e.message); }); } break;
      case 'ice':
        if (!d.candidate) { break; }
        if (pc && pc.remoteDescription) { pc.addIceCandidate(d).catch(function () { /* late candidate */ }); } else { pendingIce.push(d); }
        break;
      case 'chat': case 'question': showMessage(d); break;
      case 'pinned': showPinned(d.message); break;
      case 'viewer_count': $('lv-count').textContent = d.count; break;
      case 'viewer_list': showViewers(d.viewers || []); break;
      case 'hand_raised': break; // the next viewer list shows it
      case 'presence_check': presence(d); break;
      case 'chat_muted': setMuted(d.on); break;
      case 'screen_share': layout(); break;
      case 'attendance': showAttendance(d); break;
      case 'removed': over = true; say('您已被讲师移出本次直播' + (d.reason ? '：' + d.reason : '')); dropPeer(); break;
      case 'ended': over = true; setStatus('ended'); say('直播已结束，感谢收看。' + (role === 'trainer' ? '可下载出勤报表。' : '')); stopLocal(); dropPeer(); break;
      case 'error': showError(d); break;
    }
  }

  function showError(d) {
    if (d.code === 'live_removed' || d.code === 'live_ended' || d.code === 'live_cancelled' || d.code === 'live_trainer_elsewhere') { over = true; say(d.message); stopLocal(); dropPeer(); return; }
    var box = $('lv-say-error');
    if (/^live_chat|^live_message/.test(d.code)) { box.textContent = d.message; box.hidden = false; return; }
    say(d.message);
  }

  function setStatus(st) {
    var b = $('lv-status');
    if (!b || !st) { return; }
    b.dataset.status = st;
    b.textContent = st === 'live' ? '● 直播中' : st === 'ended' ? '已结束' : st === 'cancelled' ? '已取消' : '未开始';
    b.className = 'badge badge-' + (st === 'live' ? 'bad' : st === 'scheduled' ? 'info' : 'ok');
    room.dataset.status = st;
  }

  // ---- viewer ----
  function viewerAnswer(sdp) {
    var early = pendingIce;
    dropPeer();
    pendingIce = early;
    pc = newPeer();
    streams = {};
    pc.ontrack = function (ev) {
      var s = ev.streams[0] || new MediaStream([ev.track]);
      var slot = ev.track.id === 'screen' || s.id === 'screen' ? 'screen' : 'camera';
      if (!streams[slot]) { streams[slot] = new MediaStream(); }
      streams[slot].addTrack(ev.track);
      ev.track.onunmute = layout;
      ev.track.onmute = layout;
      layout();
    };
    pc.setRemoteDescription({ type: 'offer', sdp: sdp }).then(function () {
      flushIce();
      return pc.createAnswer();
    }).then(function (a) {
      return pc.setLocalDescription(a).then(function () { send('answer', { sdp: a.sdp }); });
    }).catch(function (e) { say('无法建立直播连接：' + e.message); });
  }

  function live(stream, kind) {
    if (!stream) { return false; }
    return stream.getTracks().some(function (t) { return t.kind === kind && !t.muted && t.readyState === 'live'; });
  }

  // layout puts the screen share large and the camera small when both
  // arrive, else the camera large.
  function layout() {
    if (role === 'trainer') { return; }
    var cam = streams.camera, scr = streams.screen;
    var shareOn = live(scr, 'video');
    $('lv-stage').dataset.screen = shareOn ? 'on' : 'off';
    setSrc(mainVideo, shareOn ? scr : cam);
    setSrc(sideVideo, shareOn ? cam : null);
    sideVideo.hidden = !shareOn;
    if (live(cam, 'video') || shareOn) { say(''); } else if (!over) { say(room.dataset.status === 'live' ? '正在等待讲师画面…' : '直播尚未开始，请稍候，讲师开播后画面会自动出现。'); }
    // The camera stream carries the sound: play it unmuted where the
    // browser allows, else offer a button.
    var audible = shareOn ? sideVideo : mainVideo;
    audible.muted = false;
    var other = audible === mainVideo ? sideVideo : mainVideo;
    other.muted = true;
    var pl = audible.play();
    if (pl && pl.catch) {
      pl.catch(function () {
        audible.muted = true; audible.play().catch(function () { /* shown paused */ });
        var btn = $('lv-sound');
        if (btn) { btn.hidden = false; btn.onclick = function () { audible.muted = false; audible.play(); btn.hidden = true; }; }
      });
    }
  }

  function setSrc(v, s) { if (v.srcObject !== s) { v.srcObject = s; } }

  // ---- trainer ----
  function publish() {
    dropPeer();
    pc = newPeer();
    local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
    if (screen) { screenSender = pc.addTrack(screen.getVideoTracks()[0], screen); }
    return offer();
  }

  function offer() {
    return pc.createOffer().then(function (o) {
      return pc.setLocalDescription(o).then(function () { send('offer', { sdp: o.sdp }); });
    }).catch(function (e) { say('推流失败：' + e.message); });
  }

  function stopLocal() {
    [local, screen].forEach(function (s) { if (s) { s.getTracks().forEach(function (t) { t.stop(); }); } });
    local = null; screen = null; publishing = false;
  }

  if (role === 'trainer') {
    $('lv-go').addEventListener('click', function () {
      var go = $('lv-go');
      go.disabled = true;
      say('正在打开摄像头和麦克风…');
      navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true }).then(function (s) {
        local = s; publishing = true;
        mainVideo.srcObject = s; mainVideo.muted = true; mainVideo.play().catch(function () { /* preview */ });
        say('');
        setStatus('live');
        go.textContent = '直播中'; $('lv-share').disabled = false; $('lv-check-now').disabled = false;
        return publish();
      }, function (e) {
        go.disabled = false;
        say('无法打开摄像头或麦克风：' + (e.name === 'NotAllowedError' ? '请在浏览器中允许本网站使用摄像头和麦克风' : e.message));
      });
    });
    $('lv-share').addEventListener('click', function () {
      var btn = $('lv-share');
      if (screen) {
        screen.getTracks().forEach(function (t) { t.stop(); });
        endShare();
        return;
      }
      if (!navigator.mediaDevices.getDisplayMedia) { say('此浏览器不支持共享屏幕'); return; }
      navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (s) {
        screen = s;
        var track = s.getVideoTracks()[0];
        track.onended = endShare;
        screenSender = pc.addTrack(track, s);
        sideVideo.srcObject = s; sideVideo.hidden = false; sideVideo.play().catch(function () { /* preview */ });
        btn.textContent = '停止共享';
        send('screen_share', { on: true });
        return offer();
      }, function () { /* cancelled */ });
    });
    $('lv-check-now').addEventListener('click', function () { send('presence_check'); });
    $('lv-mute').addEventListener('click', function () { send('mute_chat', { on: !$('lv-mute').dataset.on }); });
    $('lv-end').addEventListener('click', function () {
      if (window.confirm('结束直播后学员将无法继续收看，出勤学时随即计入。确定结束吗？')) { send('end'); }
    });
  }

  function endShare() {
    if (!screen && !screenSender) { return; }
    screen = null;
    if (pc && screenSender) { try { pc.removeTrack(screenSender); } catch (e) { /* closed */ } }
    screenSender = null;
    sideVideo.srcObject = null; sideVideo.hidden = true;
    $('lv-share').textContent = '共享屏幕';
    send('screen_share', { on: false });
    if (pc) { offer(); }
  }

  function setMuted(on) {
    var b = $('lv-mute');
    if (b) { b.dataset.on = on ? '1' : ''; b.textContent = on ? '开放聊天' : '关闭聊天'; }
    var t = $('lv-text');
    if (role !== 'trainer' && t) { t.placeholder = on ? '讲师已关闭聊天，仍可勾选“作为提问”发送问题' : '说点什么…'; }
  }

  // ---- chat and questions ----
  function showMessage(d) {
    var list = $('lv-chat');
    var li = list.querySelector('[data-msg="' + d.id + '"]');
    if (!li) { li = document.createElement('li'); li.dataset.msg = d.id; list.appendChild(li); }
    li.className = 'chat-item' + (d.kind === 'question' ? ' is-question' : '') + (d.trainer ? ' is-trainer' : '');
    li.textContent = '';
    var who = document.createElement('strong');
    who.textContent = (d.kind === 'question' ? '【提问】' : '') + d.author + (d.trainer ? '（讲师）' : '');
    var text = document.createElement('span');
    text.textContent = '：' + d.text;
    li.appendChild(who); li.appendChild(text);
    if (d.answer) {
      var ans = document.createElement('div');
      ans.className = 'chat-answer';
      ans.textContent = '讲师回答：' + d.answer;
      li.appendChild(ans);
    }
    if (role === 'trainer' && !d.trainer) {
      var tools = document.createElement('span');
      tools.className = 'chat-tools';
      if (d.kind === 'question' && !d.answered) { tools.appendChild(tool('回答', function () { var a = window.prompt('回答：' + d.text); if (a) { send('answer_question', { message: d.id, text: a }); } })); }
      tools.appendChild(tool('置顶', function () { send('pin', { message: d.id, pinned: true }); }));
      li.appendChild(tools);
    }
    list.scrollTop = list.scrollHeight;
  }

  function tool(label, fn) {
    var b = document.createElement('button');
    b.type = 'button'; b.className = 'btn btn-quiet'; b.textContent = label;
    b.addEventListener('click', fn);
    return b;
  }

  function showPinned(m) {
    var box = $('lv-pinned');
    box.textContent = '';
    box.hidden = !m;
    if (!m) { return; }
    var s = document.createElement('span');
    s.textContent = '📌 ' + m.author + '：' + m.text + (m.answer ? '（讲师回答：' + m.answer + '）' : '');
    box.appendChild(s);
    if (role === 'trainer') { box.appendChild(tool('取消置顶', function () { send('pin', { message: m.id, pinned: false }); })); }
  }

  $('lv-say').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('lv-text'), err = $('lv-say-error');
    var text = input.value.trim();
    err.hidden = true;
    if (!text) { return; }
    var ask = $('lv-ask');
    if (send(ask && ask.checked ? 'question' : 'chat', { text: text })) { input.value = ''; }
  });

  var hand = $('lv-hand');
  if (hand) {
    hand.addEventListener('click', function () {
      var up = hand.getAttribute('aria-pressed') !== 'true';
      if (send('raise_hand', { up: up })) { hand.setAttribute('aria-pressed', up ? 'true' : 'false'); hand.textContent = up ? '✋ 放下手' : '✋ 举手'; }
    });
  }

  function showViewers(vs) {
    var ul = $('lv-viewers');
    ul.textContent = '';
    if (!vs.length) { var e = document.createElement('li'); e.className = 'muted'; e.textContent = '暂无观众'; ul.appendChild(e); return; }
    vs.forEach(function (v) {
      var li = document.createElement('li');
      li.dataset.person = v.person;
      var name = document.createElement('span');
      name.textContent = (v.hand_up ? '✋ ' : '') + v.name + (v.receiving ? '' : '（未收到画面）') + (v.devices > 1 ? '（' + v.devices + ' 台设备）' : '');
      li.appendChild(name);
      li.appendChild(tool('移出', function () {
        var why = window.prompt('将 ' + v.name + ' 移出本次直播？可填写原因：', '');
        if (why !== null) { send('remove_viewer', { person: v.person, reason: why }); }
      }));
      ul.appendChild(li);
    });
  }

  // ---- presence checks (签到) ----
  var checkTimer = null;
  function presence(d) {
    var dlg = $('lv-check');
    if (!dlg) { return; }
    var left = $('lv-check-left');
    clearInterval(checkTimer);
    var tick = function () {
      var s = Math.max(0, Math.round((d.deadline - Date.now()) / 1000));
      left.textContent = s;
      if (s <= 0) { clearInterval(checkTimer); if (dlg.open) { dlg.close(); } say('签到已超时，这段时间不计入学时。'); }
    };
    tick();
    checkTimer = setInterval(tick, 500);
    $('lv-check-ok').onclick = function () {
      if (!send('presence_answer', { check: d.check })) { left.textContent = left.textContent + '（网络重连中，请稍后再点）'; return; }
      clearInterval(checkTimer);
      dlg.close();
    };
    if (!dlg.open) { if (dlg.showModal) { dlg.showModal(); } else { dlg.setAttribute('open', ''); } }
  }

  function showAttendance(d) {
    var c = $('lv-credited');
    if (c) { c.textContent = d.credited; return; }
    var sec = document.createElement('section');
    sec.className = 'card live-mine'; sec.id = 'lv-mine';
    var h = document.createElement('h2'); h.textContent = '我的出勤';
    var p = document.createElement('p');
    p.textContent = '实际收看 ' + d.receiving + ' 分钟，计入学时 ' + d.credited + ' 分钟' + (d.missed_checks ? '，未按时签到 ' + d.missed_checks + ' 次' : '') + '。';
    var strong = document.createElement('strong'); strong.id = 'lv-credited'; strong.textContent = d.credited; strong.hidden = true;
    sec.appendChild(h); sec.appendChild(p); sec.appendChild(strong);
    room.parentNode.insertBefore(sec, room);
  }

  connect();
})();
