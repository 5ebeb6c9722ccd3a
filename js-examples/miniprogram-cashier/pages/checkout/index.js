// Checkout page, for the buyer inside the merchant's mini-program. It holds no gateway credential and loads no
// aggpay: the merchant server makes a MINI_PROGRAM order for this buyer (wx.login's code → the server's
// jscode2session → openid), the page hands the order's payParams to wx.requestPayment, and the server says
// when the order is paid — by query or a verified notification, never by the pay sheet's "ok".
const SHOP = 'aggpay.shop'; // { serverUrl }: the merchant server (in its request 合法域名 list)
const FINAL = ['PAID', 'CLOSED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED'];

function call(method, path, data) {
  const { serverUrl } = wx.getStorageSync(SHOP);
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${serverUrl}${path}`, method, data, header: { 'content-type': 'application/json' },
      success: (res) => (res.statusCode < 300 ? resolve(res.data) : reject(new Error((res.data && res.data.error) || `HTTP ${res.statusCode}`))),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

const login = () => new Promise((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: (e) => reject(new Error(e.errMsg)) }));

Page({
  data: {
    amount: '12.34',
    status: 'idle', // idle | paying | WAITING | PAID | CLOSED | FAILED | error
    message: '',
    orderNo: '',
  },

  onAmountInput(e) {
    this.setData({ amount: e.detail.value });
  },

  async onPay() {
    if (this.data.status === 'paying') return;
    this.setData({ status: 'paying', message: '', orderNo: '' });
    try {
      const { openid } = await call('POST', '/api/wechat-login', { code: await login() });
      const order = await call('POST', '/api/orders', { amount: this.data.amount, subject: 'Mini-program order',
        wallet: 'WECHAT', kind: 'MINI_PROGRAM', payerId: openid });
      this.setData({ orderNo: order.merchantOrderNo, status: order.state });
      // Exactly the order's payParams: appId, timeStamp, nonceStr, package, signType, paySign.
      await new Promise((resolve) => wx.requestPayment(Object.assign({}, order.payParams, {
        success: resolve,
        // Cancelled or failed on the sheet: the order stays open until paid or closed; the server says which.
        fail: (e) => { this.setData({ message: e.errMsg }); resolve(); },
      })));
      await this.follow(order.merchantOrderNo);
    } catch (e) {
      this.setData({ status: 'error', message: e.message });
    }
  },

  async follow(no, { everyMs = 150, tries = 200 } = {}) {
    for (let i = 0; i < tries && !FINAL.includes(this.data.status); i++) {
      await new Promise((r) => setTimeout(r, everyMs));
      try {
        const s = await call('GET', `/api/orders/${no}`);
        this.setData({ status: s.state });
      } catch (e) {
        this.setData({ message: `status unavailable (${e.message}); retrying…` });
      }
    }
  },
});
