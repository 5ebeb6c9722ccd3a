// Cashier page: enter the amount, scan the buyer's payment code (付款码), and the till charges it with
// payAndConfirm — pay, poll while the buyer confirms on the phone, reverse if it never completes. It never
// pays twice, and the verdict is what the cashier acts on: PAID, FAILED (no money taken), TIMED_OUT_REVERSED,
// or NEEDS_ATTENTION (call support with the order number).
const aggpay = require('aggpay/miniprogram');
const till = require('../../till.js');

Page({
  data: {
    amount: '0.01',
    status: 'idle', // idle | paying | PAID | FAILED | TIMED_OUT_REVERSED | NEEDS_ATTENTION | error
    message: '',
    orderNo: '',
    paidYuan: '',
  },

  onAmountInput(e) {
    this.setData({ amount: e.detail.value });
  },

  onScan() {
    if (this.data.status === 'paying') return;
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['barCode', 'qrCode'],
      success: (res) => this.charge(res.result),
      fail: (err) => this.setData({ status: 'error', message: `scan failed: ${err.errMsg}` }),
    });
  },

  // Charges the scanned code; resolves with payAndConfirm's outcome (or undefined on a mistake before sending).
  async charge(authCode) {
    let amount;
    try {
      await aggpay.init(); // the load app.js started (one promise; a failed load is tried again)
      amount = aggpay.yuanToFen(this.data.amount); // "9.80" → 980, exactly
    } catch (e) {
      this.setData({ status: 'error', message: e.message });
      return undefined;
    }
    const t = till.load();
    const client = aggpay.createClient({
      provider: 'shouqianba',
      baseUrl: t.baseUrl,
      credentials: { terminalSn: t.terminalSn, terminalKey: t.terminalKey },
    });
    const merchantOrderNo = till.orderNo(t);
    this.setData({ status: 'paying', message: 'waiting for the buyer…', orderNo: merchantOrderNo, paidYuan: '' });
    wx.showLoading({ title: '收款中', mask: true });
    try {
      await till.checkinIfDue(client, t).catch(() => {});
      const out = await client.payAndConfirm({
        merchantOrderNo,
        amount,
        subject: 'Till sale',
        operator: t.operator,
        authCode,
        deviceId: t.deviceId,
      });
      const order = out.result && out.result.order;
      this.setData({
        status: out.verdict,
        message: out.message,
        paidYuan: out.verdict === 'PAID' && order ? aggpay.fenToYuan(order.amounts.total) : '',
      });
      return out;
    } catch (e) {
      // Only a mistake in the input throws (before anything is sent), e.g. a malformed barcode.
      this.setData({ status: 'error', message: e.message });
      return undefined;
    } finally {
      wx.hideLoading();
      if (this.data.status === 'PAID') wx.showToast({ title: '收款成功', icon: 'success' });
    }
  },
});
